#pragma once
// A timer made at its first use. An Asio timer costs 88 bytes whether it
// runs or not; a connection that never reconnects or stops (most of the
// thousands in a gateway) then holds none for those.

#include <memory>

#include "transport/executor.hpp"

namespace tern::detail {

class lazy_timer {
 public:
  /// `ex` must outlive the timer (the client's strand, a sibling member).
  explicit lazy_timer(const transport::strand_type& ex) noexcept : ex_(&ex) {}

  transport::steady_timer& get() {
    if (!timer_) timer_ = std::make_unique<transport::steady_timer>(*ex_);
    return *timer_;
  }
  /// Cancels a wait, if the timer exists; never makes it.
  void cancel() noexcept {
    if (timer_) timer_->cancel();
  }

 private:
  const transport::strand_type* ex_;
  std::unique_ptr<transport::steady_timer> timer_;
};

}  // namespace tern::detail
