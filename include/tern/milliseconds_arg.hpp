#pragma once
// tern::milliseconds_arg: a duration argument of the light public headers
// (<tern/client.hpp>), which do not include <chrono> (some 46,000 lines):
// any std::chrono::duration converts to it where the caller has <chrono>.

#include <concepts>

#include "tern/detail/period_scale.hpp"

namespace tern {

/// A duration in whole milliseconds, made from a `std::chrono::duration`
/// that converts to milliseconds without loss (as `std::chrono::milliseconds`
/// takes one implicitly: seconds, minutes, milliseconds; not microseconds
/// or a floating-point count).
class milliseconds_arg {
 public:
  /// `d` in milliseconds.
  template <class D>
    requires requires(const D& d) {
      { d.count() } -> std::integral;
      D::period::num;
      D::period::den;
    } && (static_cast<long long>(D::period::num) * 1000 % static_cast<long long>(D::period::den) == 0)
  milliseconds_arg(const D& d) noexcept  // NOLINT: implicit on purpose
      : count_(detail::scale_ticks<D::period::num, D::period::den, 1, 1000>(d.count())) {}
  /// The milliseconds.
  long long count() const noexcept { return count_; }

 private:
  long long count_ = 0;
};

}  // namespace tern
