#pragma once
// The handler thread: user handlers run here, off the client's network
// strand, so that a slow handler never stalls the connection.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace tern::web::detail {

/// A FIFO of tasks run one at a time, in order: on one dedicated thread;
/// (external mode) on whichever thread calls `run_pending`, for a language
/// runtime that must own the thread handlers run on (Python's GIL,
/// eventlet's hub); or (posted mode) in jobs handed to a `poster`, such as
/// an io_context the application runs, so that many queues share its
/// threads. In external mode `fd()` is an eventfd that is readable while
/// tasks wait, so an event loop can poll it.
///
/// Bounded for droppable tasks: a droppable task pushed while `capacity`
/// tasks wait is discarded (drop-newest) and counted. Other tasks are always
/// accepted; callers use them for events whose number they bound themselves.
/// `push` never blocks (beyond a short lock), so the network thread never waits
/// for a handler.
///
/// **Thread safety:** all members are thread-safe, except that `stop` (and
/// the destructor) must not run on the handler thread: a task uses
/// `stop_from_task`.
class handler_queue {
 public:
  enum class push_result : std::uint8_t {
    queued,
    dropped,        ///< the queue was full
    dropped_first,  ///< the first drop since the queue was last at most half full
  };

  enum class mode : std::uint8_t { own_thread, external, posted };
  /// Posted mode: runs `job` later, on some thread (it must not run it
  /// inside the call).
  using poster = std::function<void(std::function<void()> job)>;

  /// Own-thread or external mode.
  explicit handler_queue(std::size_t capacity, mode m = mode::own_thread);
  /// Posted mode: at most one job at a time is posted or running; it runs
  /// up to `batch` tasks, then posts the next job if tasks are left, so
  /// that one busy queue does not hold a shared thread for long.
  handler_queue(std::size_t capacity, poster post, std::size_t batch = 64);
  ~handler_queue();
  handler_queue(const handler_queue&) = delete;
  handler_queue& operator=(const handler_queue&) = delete;

  /// `wake` false: the task waits without waking the handler thread or
  /// making `fd()` readable, until `wake()`: a producer that pushes a batch
  /// wakes the consumer once, after it.
  push_result push(std::function<void()> task, bool droppable, bool wake = true);
  /// Wakes the handler thread (makes `fd()` readable) for the tasks pushed
  /// without waking since the last call, if any still waits.
  void wake();
  /// Discards waiting tasks, waits for the running one, joins the thread;
  /// in external mode wakes `wait_pending` and makes `fd()` readable for good;
  /// in posted mode a job posted but not yet run then does nothing.
  /// Not from a task (see `stop_from_task`).
  void stop();
  /// Posted mode: `stop` without waiting. Discards waiting tasks; `last`
  /// runs at once when no job is running, else on the job's thread once
  /// its running task returns (as with `stop_from_task`). For an owner
  /// that must not wait for a job on another thread: two such owners
  /// destroying each other from their tasks would wait for each other.
  void stop_then(std::function<void()> last);
  /// `stop` for a task that ends the queue's owner: discards waiting tasks,
  /// and once the running task returns, the handler thread (detached),
  /// `run_pending` or the posted job runs `last` and touches nothing of the
  /// queue after it, so `last` may destroy the queue.
  void stop_from_task(std::function<void()> last);
  /// External mode: runs up to `max` waiting tasks on the calling thread, in
  /// order; returns how many ran. One caller at a time. 0 after `stop`.
  std::size_t run_pending(std::size_t max);
  /// External mode, for a consumer that produces events itself right before
  /// it runs them (the facade's I/O inside run_pending): while held, a push
  /// does not make `fd()` readable, saving an eventfd write and read per
  /// batch; the `run_pending` that follows makes it readable if tasks are
  /// left over.
  void hold_signal(bool held);
  /// External mode: blocks until a task waits, `stop`, or `timeout_ms`
  /// (negative: no limit); returns whether a task waits.
  bool wait_pending(int timeout_ms);
  /// External mode: the eventfd; -1 in own-thread mode.
  int fd() const noexcept { return fd_; }
  bool stopped() const;
  /// Tasks discarded because the queue was full.
  std::uint64_t dropped() const noexcept { return dropped_.load(); }
  /// Tasks waiting (not the running one).
  std::size_t size() const;
  /// Blocks until no task waits or runs, or until `timeout_ms`; returns whether idle.
  bool wait_idle(int timeout_ms) const;
  bool on_handler_thread() const noexcept { return std::this_thread::get_id() == thread_id_.load(); }

 private:
  void run();
  /// Posted mode: posts a job if tasks wait and none is posted or running.
  void schedule();  // lock held
  /// Posted mode: the job's body; `hold` holds link_->m, which it releases
  /// once it has claimed the queue.
  void drain(std::unique_lock<std::mutex>& hold);
  /// Pops the front task (lock held) and runs it unlocked; returns with the lock held.
  void run_front(std::unique_lock<std::mutex>& lock);
  void signal_fd(bool readable);  // lock held
  /// Posted mode: no job starts on this queue any more.
  void unlink();
  /// Stops taking tasks and drops those waiting (lock held).
  void discard_all();
  /// Runs `last_`, if set, with the lock released; nothing of the queue is
  /// touched after it (it may destroy the queue).
  void run_last(std::unique_lock<std::mutex>& lock);

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
  std::atomic<std::thread::id> thread_id_;
  int fd_ = -1;
  bool fd_readable_ = false;
  bool signal_held_ = false;  // see hold_signal
  bool wake_pending_ = false;  // tasks were pushed without waking
  std::function<void()> last_;  // see stop_from_task

  // Posted mode. A job holds the link, not the queue: stop() clears it, so
  // that a job which runs after the queue is gone does nothing.
  struct link {
    explicit link(handler_queue* queue) : q(queue) {}
    std::mutex m;
    handler_queue* q;
  };
  poster post_;
  std::size_t batch_ = 0;
  std::shared_ptr<link> link_;
  bool scheduled_ = false;  // a job is posted and has not started
  bool draining_ = false;   // a job runs tasks
};

}  // namespace tern::web::detail
