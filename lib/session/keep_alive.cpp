#include "session/keep_alive.hpp"

#include <algorithm>

namespace tern::detail {

void keep_alive::start(std::chrono::seconds interval, clock::duration response_timeout,
                       clock::time_point now) noexcept {
  running_ = interval.count() > 0;
  interval_ = interval;
  clock::duration half = std::max<clock::duration>(interval / 2, std::min<clock::duration>(interval, std::chrono::seconds(1)));
  response_timeout_ = response_timeout.count() > 0 ? response_timeout : half;
  last_sent_ = now;
  last_received_ = now;
  response_due_ = clock::time_point::max();
  pingresps_due_ = 0;
}

void keep_alive::stop() noexcept {
  running_ = false;
  response_due_ = clock::time_point::max();
  pingresps_due_ = 0;
}

keep_alive::due keep_alive::check(clock::time_point now) const noexcept {
  if (!running_) return due::nothing;
  if (now >= response_due_) return due::timed_out;
  if (now >= last_sent_ + interval_) return due::send_ping;
  // Silence from the broker calls for one PINGREQ, not one per check.
  if (response_due_ == clock::time_point::max() && now >= last_received_ + interval_) return due::send_ping;
  return due::nothing;
}

void keep_alive::on_ping_sent(clock::time_point now) noexcept {
  last_sent_ = now;
  ++pingresps_due_;
  // A second PINGREQ (response timeout longer than the interval) keeps the first deadline.
  if (response_due_ == clock::time_point::max()) response_due_ = now + response_timeout_;
}

clock::time_point keep_alive::deadline() const noexcept {
  if (!running_) return clock::time_point::max();
  auto silence = response_due_ == clock::time_point::max() ? last_received_ + interval_ : response_due_;
  return std::min({last_sent_ + interval_, response_due_, silence});
}

}  // namespace tern::detail
