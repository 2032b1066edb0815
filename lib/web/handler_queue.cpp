#include "web/handler_queue.hpp"

#include <chrono>

namespace tern::web::detail {

handler_queue::handler_queue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  thread_ = std::thread([this] { run(); });
  thread_id_ = thread_.get_id();
}

handler_queue::~handler_queue() { stop(); }

handler_queue::push_result handler_queue::push(std::function<void()> task, bool droppable) {
  std::lock_guard lock(m_);
  if (stopping_) return push_result::dropped;
  if (droppable && tasks_.size() >= capacity_) {
    ++dropped_;
    if (overflowing_) return push_result::dropped;
    overflowing_ = true;
    return push_result::dropped_first;
  }
  tasks_.push_back(std::move(task));
  cv_.notify_one();
  return push_result::queued;
}

void handler_queue::stop() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
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

void handler_queue::run() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (stopping_) break;
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    if (tasks_.size() <= capacity_ / 2) overflowing_ = false;
    running_task_ = true;
    lock.unlock();
    task();  // callers wrap their handlers: nothing here throws
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
    running_task_ = false;
    if (tasks_.empty()) idle_cv_.notify_all();
  }
  running_task_ = false;
  idle_cv_.notify_all();
}

}  // namespace tern::web::detail
