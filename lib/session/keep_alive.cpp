#include "session/keep_alive.hpp"

#include <algorithm>

namespace tern::detail {

void keep_alive::start(std::chrono::seconds interval, clock::duration response_timeout,
                       clock::time_point now) noexcept {
  running_ = interval.count() > 0;
  interval_ = interval;
  response_timeout_ = response_timeout.count() > 0 ? response_timeout : clock::duration(interval);
  last_sent_ = now;
  response_due_ = clock::time_point::max();
}

void keep_alive::stop() noexcept {
  running_ = false;
  response_due_ = clock::time_point::max();
}

keep_alive::due keep_alive::check(clock::time_point now) const noexcept {
  if (!running_) return due::nothing;
  if (now >= response_due_) return due::timed_out;
  if (now >= last_sent_ + interval_) return due::send_ping;
  return due::nothing;
}

void keep_alive::on_ping_sent(clock::time_point now) noexcept {
  last_sent_ = now;
  // A second PINGREQ (response timeout longer than the interval) keeps the first deadline.
  if (response_due_ == clock::time_point::max()) response_due_ = now + response_timeout_;
}

clock::time_point keep_alive::deadline() const noexcept {
  if (!running_) return clock::time_point::max();
  return std::min(last_sent_ + interval_, response_due_);
}

}  // namespace tern::detail
