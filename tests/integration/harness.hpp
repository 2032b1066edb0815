#pragma once
// A tern::client on its own I/O thread, with everything its callbacks report
// recorded under a mutex, and waits with timeouts over that record (never
// wait forever: a wait that times out fails the test with what it saw).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "tern/client_options.hpp"

namespace tern::test {

using namespace std::chrono_literals;

/// A received message, copied out of the callback.
struct received {
  std::string topic;
  std::string payload;
  tern::qos qos = tern::qos::at_most_once;
  bool retain = false;
  bool dup = false;
};

/// The bytes of `s`, owned: a password for `connect_options`.
std::vector<std::byte> owned_bytes(std::string_view s);

/// Options every test starts from: one broker, a unique client id, short
/// timeouts and a quick reconnect.
client_options make_options(const std::string& url, const std::string& client_id);

class test_client {
 public:
  explicit test_client(client_options options);
  ~test_client();
  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  tern::client& operator*() noexcept { return c_; }
  tern::client* operator->() noexcept { return &c_; }

  /// start() + connect(), then waits for on_connect (success) or on_disconnect (failure).
  testing::AssertionResult connect(std::chrono::milliseconds timeout = 10s);
  /// Subscribes and waits for the SUBACK; fails on a 0x80 (refused) code.
  testing::AssertionResult subscribe(const std::string& filter, qos q, std::chrono::milliseconds timeout = 10s);
  /// Publishes and waits for on_publish (QoS 0 written, 1 PUBACK, 2 PUBCOMP).
  testing::AssertionResult publish(const std::string& topic, const std::string& payload, qos q, bool retain = false,
                                   std::chrono::milliseconds timeout = 10s);
  /// Waits until at least `n` messages arrived.
  testing::AssertionResult wait_messages(std::size_t n, std::chrono::milliseconds timeout = 10s);
  /// Waits until on_disconnect ran at least `n` times in all.
  testing::AssertionResult wait_disconnects(std::size_t n, std::chrono::milliseconds timeout = 10s);
  /// disconnect() and wait for its on_disconnect.
  testing::AssertionResult disconnect(std::chrono::milliseconds timeout = 10s);

  /// Waits until `pred()` holds, evaluated under the record's lock; false on timeout.
  bool wait_for(std::chrono::milliseconds timeout, const std::function<bool()>& pred);

  // The record: read under `lock()`.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(m_); }
  std::vector<received> messages;
  std::vector<bool> connects;  ///< session_present of each accepted on_connect
  /// connects.size(), readable without the lock (e.g. from message_filter).
  std::atomic<int> connect_count{0};
  std::vector<std::error_code> disconnects;
  std::vector<std::string> log;
  std::set<message_id> published;
  std::map<message_id, std::vector<std::uint8_t>> subacks;

  /// Runs on the client's strand for each message, before it is recorded
  /// (set before connect(); for tests that count rather than copy).
  std::function<bool(const message_received&)> message_filter;

  /// The log lines, one per line, for failure messages.
  std::string log_text();

 private:
  std::mutex m_;
  std::condition_variable cv_;
  tern::client c_;
};

std::string to_string(const std::vector<std::error_code>& v);

}  // namespace tern::test
