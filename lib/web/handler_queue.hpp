#pragma once
// The handler thread: user handlers run here, off the client's network
// strand, so that a slow handler never stalls the connection.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace tern::web::detail {

/// A FIFO of tasks run one at a time, in order, on one dedicated thread.
///
/// Bounded for droppable tasks: a droppable task pushed while `capacity`
/// tasks wait is discarded (drop-newest) and counted. Other tasks are always
/// accepted; callers use them for events whose number they bound themselves.
/// `push` never blocks (beyond a short lock), so the network thread never waits
/// for a handler.
///
/// **Thread safety:** all members are thread-safe, except that `stop` (and
/// the destructor) must not run on the handler thread.
class handler_queue {
 public:
  enum class push_result : std::uint8_t {
    queued,
    dropped,        ///< the queue was full
    dropped_first,  ///< the first drop since the queue was last at most half full
  };

  explicit handler_queue(std::size_t capacity);
  ~handler_queue();
  handler_queue(const handler_queue&) = delete;
  handler_queue& operator=(const handler_queue&) = delete;

  push_result push(std::function<void()> task, bool droppable);
  /// Discards waiting tasks, waits for the running one, joins the thread.
  void stop();
  /// Tasks discarded because the queue was full.
  std::uint64_t dropped() const noexcept { return dropped_.load(); }
  /// Tasks waiting (not the running one).
  std::size_t size() const;
  /// Blocks until no task waits or runs, or until `timeout_ms`; returns whether idle.
  bool wait_idle(int timeout_ms) const;
  bool on_handler_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }

 private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex m_;
  mutable std::condition_variable cv_;       // tasks or stop
  mutable std::condition_variable idle_cv_;  // became idle
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  bool running_task_ = false;
  bool overflowing_ = false;  // dropping since the queue was last at most half full
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace tern::web::detail
