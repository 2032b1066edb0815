#pragma once
// A private mosquitto for a test suite: a generated mosquitto.conf in a fresh
// temp dir, listeners on free 127.0.0.1 ports (never 1883, never a system
// broker), started with posix_spawn and stopped (SIGTERM, then SIGKILL) by
// the destructor, which also removes the dir. `restart()` keeps the ports and
// the persistence file, for the broker-restart test.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "process.hpp"

namespace tern::test {

inline constexpr const char* mosquitto_bin = "/usr/sbin/mosquitto";

struct listener_config {
  enum class kind : std::uint8_t { mqtt, websockets };
  kind protocol = kind::mqtt;
  /// TLS when `certfile` is set.
  std::string cafile, certfile, keyfile;
  bool require_certificate = false;
};

struct broker_config {
  std::vector<listener_config> listeners{listener_config{}};
  bool allow_anonymous = true;
  std::string password_file;
  bool persistence = false;
  /// Extra lines appended verbatim.
  std::vector<std::string> extra;
};

class broker {
 public:
  /// Writes the config (ports picked now) without starting.
  explicit broker(broker_config config);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  /// Starts mosquitto and waits (at most 5 s) until every listener accepts.
  [[nodiscard]] testing::AssertionResult start();
  /// SIGTERM (mosquitto then writes its persistence file), at most 5 s, then SIGKILL.
  void stop();
  /// stop() + start() on the same ports with the same persistence file.
  [[nodiscard]] testing::AssertionResult restart();
  bool running() { return proc_.running(); }

  std::uint16_t port(std::size_t listener = 0) const { return ports_.at(listener); }
  /// "scheme://host:port" for listener `i`: mqtt/mqtts/ws/wss by its config.
  std::string url(std::size_t listener = 0, const std::string& host = "127.0.0.1") const;
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  /// mosquitto's log so far (the config logs connections and subscriptions).
  std::string log() const;
  /// Waits until the log contains `text` (e.g. "client-id 1 topic/filter" for a SUBSCRIBE).
  bool wait_log(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  broker_config config_;
  temp_dir dir_;
  std::vector<std::uint16_t> ports_;
  process proc_;
  int starts_ = 0;
};

/// Writes a mosquitto password file at `file` with mosquitto_passwd -b, one
/// entry per (user, password); returns what failed, empty on success.
std::string write_password_file(const std::filesystem::path& file,
                                const std::vector<std::pair<std::string, std::string>>& users);

/// A free TCP port on 127.0.0.1 (bound to port 0, read back, closed).
std::uint16_t free_port();
/// True when something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(std::uint16_t port);

}  // namespace tern::test
