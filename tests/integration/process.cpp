#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace tern::test {

temp_dir::temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& contents) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << contents;
}

process::~process() {
  if (pid_ > 0 && !status_) kill();
}

bool process::spawn(options o) {
  opts_ = std::move(o);
  status_.reset();
  error_.clear();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  auto in = opts_.stdin_file.empty() ? std::string("/dev/null") : opts_.stdin_file.string();
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  auto out = opts_.stdout_file.empty() ? std::string("/dev/null") : opts_.stdout_file.string();
  auto err = opts_.stderr_file.empty() ? std::string("/dev/null") : opts_.stderr_file.string();
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : opts_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    error_ = "cannot run " + opts_.argv[0] + ": " + std::strerror(rc);
    return false;
  }
  return true;
}

bool process::reap(bool block) {
  if (pid_ <= 0 || status_) return true;
  int st = 0;
  pid_t r;
  do r = waitpid(pid_, &st, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  if (r < 0) {
    status_ = -1;
    return true;
  }
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return true;
}

bool process::running() { return pid_ > 0 && !reap(false); }

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
  poll_until(timeout, [&] { return reap(false); });
  return status_;
}

void process::kill(int sig) {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, sig);
  reap(true);
}

void process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || status_) return;
  ::kill(pid_, SIGTERM);
  if (!wait(grace)) kill(SIGKILL);
}

std::string process::command_line() const {
  std::string s;
  for (const auto& a : opts_.argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::optional<int> run(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                       std::chrono::milliseconds timeout, std::string* out, std::string* err) {
  static std::atomic<int> counter{0};
  int n = counter.fetch_add(1);
  process p;
  process::options o;
  o.argv = argv;
  o.stdout_file = dir / ("run" + std::to_string(n) + ".out");
  o.stderr_file = dir / ("run" + std::to_string(n) + ".err");
  if (!p.spawn(o)) {
    if (err) *err = p.error();
    return std::nullopt;
  }
  auto status = p.wait(timeout);
  if (!status) p.kill();
  if (out) *out = p.out();
  if (err) *err = p.err();
  return status;
}

std::string tool_path(const char* env, const std::string& fallback) {
  if (const char* v = std::getenv(env); v && *v) return v;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / fallback).lexically_normal().string();
}

}  // namespace tern::test
