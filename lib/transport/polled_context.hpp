#pragma once
// An io_context run by another event loop (asyncio's, a GUI toolkit's)
// instead of a thread of its own. The loop watches one descriptor and, when
// it is readable, runs what Asio has ready without blocking. Messages then
// cost one thread wake-up each instead of two (Asio's thread, then the
// loop's), which is most of what a lightly loaded receiver spends.
//
// Asio wakes a thread blocked in run() itself when work is queued from
// another thread; a polled context has no such thread, so whoever queues
// work from outside must call `wake()` (tern::client does, given
// client_options::executor_wakeup).

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace asio::detail {
class epoll_reactor;
}

namespace tern::transport {

/// **Thread safety:** `wake` from any thread; `run_ready` and `run_one_for`
/// from any thread (Asio runs handlers of several threads safely; a strand
/// keeps them apart); the rest from the owner's thread.
class polled_context {
 public:
  /// @throws std::system_error when epoll cannot be set up.
  polled_context();
  ~polled_context();
  polled_context(const polled_context&) = delete;
  polled_context& operator=(const polled_context&) = delete;

  asio::io_context& context() noexcept { return ctx_; }
  /// Readable (level-triggered) while Asio has a descriptor or timer ready,
  /// after `wake()`, or while a descriptor added by `watch` is readable.
  int fd() const noexcept { return fd_; }
  /// Makes `fd()` readable also while `other` is: one descriptor for the
  /// loop to watch. @throws std::system_error.
  void watch(int other);
  /// Runs the handlers that are ready, without blocking, one at a time for
  /// as long as `go_on()` says so (a consumer's queue with room left);
  /// returns how many ran. Stopped by `go_on`, it leaves `fd()` readable
  /// for the rest.
  template <class GoOn>
  std::size_t run_ready(GoOn go_on) {
    runs_.fetch_add(1, std::memory_order_relaxed);
    std::size_t ran = 0;
    while (ctx_.poll_one() == 1) {
      ++ran;
      if (!go_on()) {
        wake();
        break;
      }
    }
    return ran;
  }
  /// Runs, blocking up to `timeout`, until one handler ran.
  std::size_t run_one_for(std::chrono::milliseconds timeout);
  /// Any thread: `fd()` becomes readable, so that the loop calls `run_ready`.
  void wake() noexcept;
  /// Starts a stand-in thread: every `period` it checks whether `fd()` is
  /// readable and the loop has not called `run_ready` since the last check,
  /// and if so runs the ready handlers itself. A loop blocked for seconds
  /// (a long computation, a blocking call) then does not stall keep-alive
  /// or acknowledgements; a loop that keeps up never meets it.
  void start_stand_in(std::chrono::milliseconds period);

 private:
  void stand_in(std::chrono::milliseconds period);

  std::atomic<std::uint64_t> runs_{0};  // run_ready calls
  std::mutex stand_in_m_;
  std::condition_variable stand_in_cv_;
  bool stopping_ = false;
  std::thread stand_in_;

  asio::io_context ctx_;
  // run_ready must never find the context out of work: Asio would stop it.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::detail::epoll_reactor* reactor_ = nullptr;
  int fd_ = -1;
};

}  // namespace tern::transport
