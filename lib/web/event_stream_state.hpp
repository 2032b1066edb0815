#pragma once
// What an event stream shares with its bridge: the queue the facade's
// handler thread fills and the binding empties, and the bridge's counters.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "tern/web/bridge.hpp"
#include "web/json_out.hpp"

namespace tern::web::detail {

using clock_type = std::chrono::steady_clock;

struct stream_counters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> dropped{0};
};

struct stream_state {
  std::vector<std::string> filters;
  std::size_t capacity = 0;
  std::chrono::milliseconds keepalive{0};
  std::shared_ptr<stream_counters> counters;

  mutable std::mutex m;  // everything below
  std::condition_variable cv;
  std::deque<std::string> queue;  // framed events
  std::uint64_t dropped_unreported = 0;
  bool closed = false;
  bool opened = false;  // the opening comment was taken
  clock_type::time_point last_write = clock_type::now();
  std::function<void()> ready;     // see event_stream::on_ready
  std::function<void()> on_close;  // the bridge's: forget the stream, release its subscriptions

  bool has_data_locked() const;
  /// Queues a framed event (drop-newest when full); returns the `ready`
  /// callback to call, outside every lock, when the stream just woke.
  std::function<void()> push(const std::string& event);
  void close();
};

}  // namespace tern::web::detail
