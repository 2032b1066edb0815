#include "broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace tern::test {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

broker::broker(broker_config config) : config_(std::move(config)), dir_("tern-mosquitto") {
  std::ostringstream conf;
  // Running as root, mosquitto would switch to the `mosquitto` user, which
  // cannot read our 0700 temp dir (keys, password file, persistence).
  if (::geteuid() == 0) conf << "user root\n";
  conf << "log_dest file " << (dir() / "mosquitto.log").string() << "\n"
       << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
       << "log_type subscribe\nlog_type unsubscribe\n"
       << "log_timestamp_format %H:%M:%S\n"
       << "connection_messages true\n"
       << "allow_anonymous " << (config_.allow_anonymous ? "true" : "false") << "\n"
       // mosquitto's default (1000) drops QoS 1/2 messages for a subscriber
       // that falls behind; the tests count every message, so no limit.
       << "max_queued_messages 0\n";
  if (!config_.password_file.empty()) conf << "password_file " << config_.password_file << "\n";
  if (config_.persistence) {
    conf << "persistence true\n"
         << "persistence_location " << dir().string() << "/\n"
         << "autosave_interval 0\n";  // saved on shutdown only
  } else {
    conf << "persistence false\n";
  }
  // mosquitto 2.0.11 refuses to start ("Unable to start any listening
  // sockets") when every listener is a WebSocket one, though they open fine
  // beside a plain one: give it a plain listener that no test uses.
  bool all_websockets = !config_.listeners.empty();
  for (const auto& l : config_.listeners) all_websockets &= l.protocol == listener_config::kind::websockets;
  if (all_websockets) conf << "\nlistener " << free_port() << " 127.0.0.1\n";
  for (const auto& l : config_.listeners) {
    auto port = free_port();
    ports_.push_back(port);
    conf << "\nlistener " << port << " 127.0.0.1\n";
    if (l.protocol == listener_config::kind::websockets) conf << "protocol websockets\n";
    if (!l.certfile.empty()) {
      conf << "certfile " << l.certfile << "\nkeyfile " << l.keyfile << "\n";
      if (!l.cafile.empty()) conf << "cafile " << l.cafile << "\n";
      conf << "require_certificate " << (l.require_certificate ? "true" : "false") << "\n";
    }
  }
  for (const auto& line : config_.extra) conf << line << "\n";
  write_file(dir() / "mosquitto.conf", conf.str());
}

broker::~broker() {
  stop();
  // TERN_KEEP_BROKER_DIR=1: keep config, log and persistence file for a post-mortem.
  if (std::getenv("TERN_KEEP_BROKER_DIR")) {
    std::fprintf(stderr, "[ info     ] broker dir kept: %s\n", dir().c_str());
    dir_.keep();
  }
}

testing::AssertionResult broker::start() {
  if (proc_.running()) return testing::AssertionSuccess();
  if (::access(mosquitto_bin, X_OK) != 0)
    return testing::AssertionFailure() << mosquitto_bin << " is missing: run scripts/setup.sh (installs mosquitto)";
  ++starts_;
  process::options o;
  o.argv = {mosquitto_bin, "-c", (dir() / "mosquitto.conf").string()};
  o.stdout_file = dir() / ("stdout" + std::to_string(starts_) + ".log");
  o.stderr_file = dir() / ("stderr" + std::to_string(starts_) + ".log");
  if (!proc_.spawn(o)) return testing::AssertionFailure() << proc_.error();
  bool up = poll_until(std::chrono::seconds(5), [&] {
    if (!proc_.running()) return true;
    for (auto p : ports_)
      if (!port_accepts(p)) return false;
    return true;
  });
  if (up && proc_.running()) return testing::AssertionSuccess();
  proc_.kill();
  return testing::AssertionFailure() << "mosquitto did not start (" << (up ? "exited" : "no listener within 5 s")
                                     << ")\n--- mosquitto.conf\n" << read_file(dir() / "mosquitto.conf")
                                     << "--- log\n" << log() << proc_.err() << proc_.out();
}

void broker::stop() { proc_.terminate(std::chrono::seconds(5)); }

testing::AssertionResult broker::restart() {
  stop();
  return start();
}

std::string broker::url(std::size_t listener, const std::string& host) const {
  const auto& l = config_.listeners.at(listener);
  bool tls = !l.certfile.empty();
  std::string scheme = l.protocol == listener_config::kind::websockets ? (tls ? "wss" : "ws") : (tls ? "mqtts" : "mqtt");
  std::string u = scheme + "://" + host + ":" + std::to_string(port(listener));
  if (l.protocol == listener_config::kind::websockets) u += "/mqtt";  // mosquitto accepts any path
  return u;
}

std::string broker::log() const { return read_file(dir() / "mosquitto.log"); }

bool broker::wait_log(const std::string& text, std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return log().find(text) != std::string::npos; });
}

std::string write_password_file(const std::filesystem::path& file,
                                const std::vector<std::pair<std::string, std::string>>& users) {
  bool first = true;
  for (const auto& [user, password] : users) {
    std::vector<std::string> argv{"/usr/bin/mosquitto_passwd", "-b"};
    if (first) argv.push_back("-c");  // creates the file
    argv.insert(argv.end(), {file.string(), user, password});
    first = false;
    std::string out, err;
    auto st = run(argv, file.parent_path(), std::chrono::seconds(10), &out, &err);
    if (!st || *st != 0) return "mosquitto_passwd failed for " + user + ": " + out + err;
  }
  return {};
}

}  // namespace tern::test
