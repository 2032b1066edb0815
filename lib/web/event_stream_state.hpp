#pragma once
// What an event stream or a WebSocket session shares with its bridge: the
// queue the facade's network thread fills and the binding empties, and the
// bridge's counters.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
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

/// An event formatted once and shared by every stream it goes to.
using shared_event = std::shared_ptr<const std::string>;

struct stream_state {
  enum class kind : std::uint8_t { sse, socket };
  kind type = kind::sse;
  // Guarded by the bridge's registry mutex (an SSE stream's never change):
  // the facade's network thread reads them for every message.
  std::vector<std::string> filters;
  std::size_t capacity = 0;
  std::chrono::milliseconds keepalive{0};
  std::shared_ptr<stream_counters> counters;

  mutable std::mutex m;  // everything below
  std::condition_variable cv;
  std::deque<shared_event> queue;   // framed events (SSE) or event lines (socket)
  std::deque<std::string> replies;  // a socket's answers: never dropped
  std::uint64_t dropped_unreported = 0;
  bool closed = false;
  bool opened = false;  // the opening was taken
  clock_type::time_point last_write = clock_type::now();
  std::function<void()> ready;     // see event_stream::on_ready
  std::function<void()> on_close;  // the bridge's: forget the stream, release its subscriptions
  // A socket's: answers one request (the bridge's protocol); set at open.
  std::function<std::string(std::string_view)> on_request;

  bool has_data_locked() const;
  /// Queues an event (drop-newest when full); returns the `ready` callback
  /// to call, outside every lock, when the stream just woke.
  std::function<void()> push(shared_event event);
  /// Queues a socket's reply, which is never dropped; as `push`.
  std::function<void()> push_reply(std::string reply);
  /// What to send: SSE text, or a socket's frame (one JSON object per line).
  std::string take();
  void close();
};

}  // namespace tern::web::detail
