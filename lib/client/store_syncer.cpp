#include "client/store_syncer.hpp"

#include <utility>

namespace tern::detail {

void store_syncer::run(std::function<void()> job) {
  std::lock_guard lock(m_);
  if (stopping_) return;
  job_ = std::move(job);
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
  cv_.notify_one();
}

void store_syncer::stop() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
    job_ = nullptr;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void store_syncer::loop() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || job_; });
    if (stopping_) return;
    auto job = std::exchange(job_, nullptr);
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace tern::detail
