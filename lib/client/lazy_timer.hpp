#pragma once
// A timer made at its first use. An Asio timer costs 88 bytes whether it
// runs or not; a connection that never reconnects or stops (most of the
// thousands in a gateway) then holds none for those.

#include "client/lazy.hpp"
#include "transport/executor.hpp"

namespace tern::detail {

class lazy_timer {
 public:
  /// `ex` must outlive the timer (the client's strand, a sibling member).
  explicit lazy_timer(const transport::strand_type& ex) noexcept : ex_(&ex) {}

  transport::steady_timer& get() { return timer_.get(*ex_); }
  /// Cancels a wait, if the timer exists; never makes it.
  void cancel() noexcept {
    if (auto* t = timer_.find()) t->cancel();
  }
  /// Destroys the timer, if it exists (a pending wait completes with
  /// operation_aborted): for a timer used once in a while, such as the
  /// transport timeout of each connect, which then costs nothing between.
  void release() noexcept { timer_.reset(); }

 private:
  const transport::strand_type* ex_;
  lazy<transport::steady_timer> timer_;
};

}  // namespace tern::detail
