#pragma once
// Child processes for the integration tests: mosquitto, the tools, the will
// helper. Output goes to files (no pipes, so a chatty child never blocks on a
// full pipe), every wait has a timeout, and the destructor kills what is left.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tern::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents by the destructor.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "tern-integ");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  /// Leaves the directory in place (for a post-mortem).
  void keep() noexcept { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

/// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& contents);

/// One child process, started with posix_spawn: stdin from `stdin_file`
/// (or /dev/null), stdout and stderr to files.
class process {
 public:
  struct options {
    std::vector<std::string> argv;  ///< argv[0] is the program's path
    std::filesystem::path stdout_file;
    std::filesystem::path stderr_file;
    std::filesystem::path stdin_file;  ///< empty: /dev/null
  };
  process() = default;
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Starts it; false (and `error()` says why) when it cannot be spawned.
  bool spawn(options o);
  pid_t pid() const noexcept { return pid_; }
  bool running();
  /// Waits for the exit; the exit status (or 128 + signal), or nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// Sends `sig` (SIGKILL by default) and reaps the child.
  void kill(int sig = 9);
  /// SIGTERM, up to `grace` for it to exit, then SIGKILL; reaped either way.
  void terminate(std::chrono::milliseconds grace);
  std::string out() const { return read_file(opts_.stdout_file); }
  std::string err() const { return read_file(opts_.stderr_file); }
  const std::string& error() const noexcept { return error_; }
  std::optional<int> exit_status() const noexcept { return status_; }
  /// The command line, for failure messages.
  std::string command_line() const;

 private:
  bool reap(bool block);
  options opts_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string error_;
};

/// Runs a command to completion (at most `timeout`, then SIGKILL). Output in
/// files under `dir`; returns the exit status (nothing on timeout) and fills
/// `out` / `err` when given.
std::optional<int> run(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                       std::chrono::milliseconds timeout, std::string* out = nullptr, std::string* err = nullptr);

/// Polls `pred` every 10 ms until it holds or `timeout` passes.
template <class Pred>
bool poll_until(std::chrono::milliseconds timeout, Pred pred);

/// The path of a helper binary: the environment variable `env` (set by
/// meson), else `fallback` relative to this test binary's directory.
std::string tool_path(const char* env, const std::string& fallback);

}  // namespace tern::test

#include <thread>

template <class Pred>
bool tern::test::poll_until(std::chrono::milliseconds timeout, Pred pred) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
