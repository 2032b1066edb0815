#include "web/handler_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tern::web::detail {

handler_queue::handler_queue(std::size_t capacity, mode m) : capacity_(capacity == 0 ? 1 : capacity) {
  if (m == mode::external) {
    fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(std::string("tern::web: eventfd: ") + std::strerror(errno));
    return;
  }
  thread_ = std::thread([this] { run(); });
  thread_id_ = thread_.get_id();
}

handler_queue::handler_queue(std::size_t capacity, poster post, std::size_t batch)
    : capacity_(capacity == 0 ? 1 : capacity),
      post_(std::move(post)),
      batch_(batch == 0 ? 1 : batch),
      link_(std::make_shared<link>(this)) {}

handler_queue::~handler_queue() {
  stop();
  if (fd_ >= 0) ::close(fd_);
}

void handler_queue::hold_signal(bool held) {
  std::lock_guard lock(m_);
  signal_held_ = held;
}

void handler_queue::signal_fd(bool readable) {
  if (fd_ < 0 || readable == fd_readable_ || (readable && signal_held_ && !stopping_)) return;
  fd_readable_ = readable;
  std::uint64_t v = 1;
  // Nonblocking: a full counter or an empty one is fine, the state is what matters.
  if (readable) (void)!::write(fd_, &v, sizeof v);
  else (void)!::read(fd_, &v, sizeof v);
}

handler_queue::push_result handler_queue::push(std::function<void()> task, bool droppable, bool wake) {
  std::lock_guard lock(m_);
  if (stopping_) return push_result::dropped;
  if (droppable && tasks_.size() >= capacity_) {
    ++dropped_;
    if (overflowing_) return push_result::dropped;
    overflowing_ = true;
    return push_result::dropped_first;
  }
  tasks_.push_back(std::move(task));
  if (!wake) {
    wake_pending_ = true;
    return push_result::queued;
  }
  signal_fd(true);
  schedule();
  cv_.notify_one();
  return push_result::queued;
}

void handler_queue::wake() {
  std::lock_guard lock(m_);
  if (!wake_pending_) return;
  wake_pending_ = false;
  // The consumer may have taken them meanwhile (it runs whatever waits).
  if (tasks_.empty() || stopping_) return;
  signal_fd(true);
  schedule();
  cv_.notify_one();
}

void handler_queue::schedule() {
  if (!post_ || scheduled_ || draining_ || stopping_ || tasks_.empty()) return;
  scheduled_ = true;
  try {
    post_([l = link_] {
      std::unique_lock hold(l->m);
      if (auto* q = l->q) q->drain(hold);
    });
  } catch (...) {
    scheduled_ = false;  // the next push tries again
    throw;
  }
}

void handler_queue::drain(std::unique_lock<std::mutex>& hold) {
  // Claims the queue, then lets stop() in: it waits for draining_ to end
  // (unless a task of this job calls it).
  std::unique_lock lock(m_);
  scheduled_ = false;
  draining_ = true;
  hold.unlock();
  thread_id_ = std::this_thread::get_id();
  for (std::size_t ran = 0; ran < batch_ && !stopping_ && !tasks_.empty(); ++ran) run_front(lock);
  thread_id_ = std::thread::id{};
  draining_ = false;
  idle_cv_.notify_all();
  schedule();  // the batch's limit: the rest in a job of its own
  run_last(lock);
}

void handler_queue::unlink() {
  if (!link_) return;
  std::lock_guard hold(link_->m);
  link_->q = nullptr;
}

void handler_queue::discard_all() {
  stopping_ = true;
  tasks_.clear();
  // Readable for good: a poller wakes, finds nothing, and sees `stopped()`.
  signal_fd(true);
}

void handler_queue::run_last(std::unique_lock<std::mutex>& lock) {
  if (auto last = std::move(last_)) {
    lock.unlock();
    last();  // may destroy *this
  }
}

void handler_queue::stop() {
  unlink();  // a job already started has claimed the queue (draining_): waited for below
  {
    std::lock_guard lock(m_);
    discard_all();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // External mode: wait for a task running on another thread to finish
  // (not for our own: a task that stops the queue must not wait for itself).
  if (on_handler_thread()) return;
  std::unique_lock lock(m_);
  idle_cv_.wait(lock, [this] { return !running_task_ && !draining_; });
}

void handler_queue::stop_then(std::function<void()> last) {
  unlink();
  std::unique_lock lock(m_);
  discard_all();
  if (draining_) {  // a job has claimed the queue: `last` follows its running task
    last_ = std::move(last);
    return;
  }
  lock.unlock();
  last();
}

void handler_queue::stop_from_task(std::function<void()> last) {
  std::lock_guard lock(m_);
  discard_all();
  last_ = std::move(last);
  // The thread cannot join itself; it ends once `last` ran.
  if (thread_.joinable()) thread_.detach();
}

bool handler_queue::stopped() const {
  std::lock_guard lock(m_);
  return stopping_;
}

std::size_t handler_queue::size() const {
  std::lock_guard lock(m_);
  return tasks_.size();
}

bool handler_queue::wait_idle(int timeout_ms) const {
  std::unique_lock lock(m_);
  return idle_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return tasks_.empty() && !running_task_; });
}

void handler_queue::run_front(std::unique_lock<std::mutex>& lock) {
  auto task = std::move(tasks_.front());
  tasks_.pop_front();
  if (tasks_.size() <= capacity_ / 2) overflowing_ = false;
  if (tasks_.empty() && !stopping_) signal_fd(false);
  running_task_ = true;
  lock.unlock();
  task();          // callers wrap their handlers: nothing here throws
  task = nullptr;  // destroy captures outside the lock
  lock.lock();
  running_task_ = false;
  if (tasks_.empty() || stopping_) idle_cv_.notify_all();
}

std::size_t handler_queue::run_pending(std::size_t max) {
  std::unique_lock lock(m_);
  thread_id_ = std::this_thread::get_id();
  std::size_t ran = 0;
  while (ran < max && !stopping_ && !tasks_.empty()) {
    run_front(lock);
    ++ran;
  }
  if (!tasks_.empty()) signal_fd(true);  // left over (`max`), or pushed while held
  thread_id_ = std::thread::id{};
  run_last(lock);
  return ran;
}

bool handler_queue::wait_pending(int timeout_ms) {
  std::unique_lock lock(m_);
  auto ready = [this] { return stopping_ || !tasks_.empty(); };
  if (timeout_ms < 0) cv_.wait(lock, ready);
  else cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
  return !stopping_ && !tasks_.empty();
}

void handler_queue::run() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (stopping_) break;
    run_front(lock);
  }
  running_task_ = false;
  idle_cv_.notify_all();
  run_last(lock);
}

}  // namespace tern::web::detail
