#pragma once
// What every peer of tern-bench shares: the run's settings, the payload
// stamp, and the receive-side bookkeeping (sequence numbers, latencies).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

namespace tern::e2e {

struct settings {
  std::string peer = "tern";
  std::string host = "127.0.0.1";
  int port = 1883;
  int qos = 0;
  std::uint64_t count = 10000;
  std::size_t size = 64;
  std::uint64_t window = 0;  // 0: unlimited
  double rate = 0;           // msgs/s; 0: unpaced
  double timeout_s = 60;
  std::string topic;         // unique per run
  std::string store_dir;     // where the persisting peers keep their files
  long read_interval_us = 0;  // tern's subscriber: client_options::read_interval
  bool read_interval_adaptive = false;  // and adaptive_read_interval (--read-interval auto)
};

inline std::int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// Bytes 0-7: the sequence number; 8-15: CLOCK_MONOTONIC ns just before publish.
inline void stamp(std::byte* payload, std::uint64_t seq) {
  std::int64_t now = mono_ns();
  std::memcpy(payload, &seq, 8);
  std::memcpy(payload + 8, &now, 8);
}

/// Receive side, called from whatever thread the library delivers on.
class tracker {
 public:
  explicit tracker(std::uint64_t count) : seen_(count, 0) { latencies_.reserve(count); }

  void on_message(const void* data, std::size_t n) {
    std::int64_t now = mono_ns();
    if (n < 16) return;
    std::uint64_t seq;
    std::int64_t sent;
    std::memcpy(&seq, data, 8);
    std::memcpy(&sent, static_cast<const char*>(data) + 8, 8);
    std::lock_guard lock(m_);
    if (seq >= seen_.size()) return;
    if (seen_[seq]++) {
      ++dup_;
      return;
    }
    latencies_.push_back(now - sent);
    if (++unique_ == seen_.size()) cv_.notify_all();
  }

  /// Waits until every sequence number arrived or `deadline`.
  bool wait_all(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_);
    return cv_.wait_until(lock, deadline, [&] { return unique_ == seen_.size(); });
  }

  std::uint64_t unique() {
    std::lock_guard lock(m_);
    return unique_;
  }
  std::uint64_t dup() {
    std::lock_guard lock(m_);
    return dup_;
  }
  std::vector<std::int64_t> latencies() {
    std::lock_guard lock(m_);
    return latencies_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::uint8_t> seen_;
  std::vector<std::int64_t> latencies_;
  std::uint64_t unique_ = 0;
  std::uint64_t dup_ = 0;
};

/// Publisher-side flow control: at most `window` outstanding messages.
class window_gate {
 public:
  explicit window_gate(std::uint64_t window) : window_(window) {}
  void acquire() {
    if (!window_) return;
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return outstanding_ < window_ || failed_; });
    ++outstanding_;
  }
  void release() {
    if (!window_) return;
    {
      std::lock_guard lock(m_);
      if (outstanding_) --outstanding_;
    }
    cv_.notify_one();
  }
  void fail() {
    {
      std::lock_guard lock(m_);
      failed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::uint64_t window_;
  std::uint64_t outstanding_ = 0;
  bool failed_ = false;
  std::mutex m_;
  std::condition_variable cv_;
};

/// A library under test: two connections (subscriber, publisher) to the broker.
class peer {
 public:
  virtual ~peer() = default;
  /// Connects both, subscribes at the settings' QoS and waits for the SUBACK.
  /// Returns an error text, empty on success.
  virtual std::string start(const settings& s, tracker& t, window_gate& g) = 0;
  /// Publishes one message; false when the library refused it.
  virtual bool publish(const std::byte* payload, std::size_t n) = 0;
  virtual void stop() = 0;
};

}  // namespace tern::e2e
