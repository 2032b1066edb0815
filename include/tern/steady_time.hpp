#pragma once
// tern::steady_time: a point in time of std::chrono::steady_clock, held as
// nanoseconds, for the light public headers (<tern/web/mqtt.hpp>), which
// do not include <chrono> (some 46,000 lines). Converts to and from
// steady_clock's time_point where the calling code has <chrono>.

#include <cstdint>

#include "tern/detail/period_scale.hpp"

namespace tern {
namespace detail {

// A std::chrono::time_point of a steady clock (steady_clock's: not
// system_clock's, whose epoch differs), recognised by its members.
template <class T>
concept chrono_time_point = requires(const T& t) {
  typename T::clock;
  typename T::duration::period;
  t.time_since_epoch().count();
} && T::clock::is_steady;

}  // namespace detail

/// Nanoseconds since steady_clock's epoch.
///
/// **Thread safety:** a plain value type.
struct steady_time {
  /// Nanoseconds since the clock's epoch (CLOCK_MONOTONIC on Linux).
  std::int64_t nanoseconds = 0;

  /// The epoch.
  constexpr steady_time() noexcept = default;
  /// `ns` nanoseconds after the epoch.
  constexpr explicit steady_time(std::int64_t ns) noexcept : nanoseconds(ns) {}
  /// A `std::chrono::steady_clock::time_point` (truncated to nanoseconds).
  template <detail::chrono_time_point TP>
  steady_time(const TP& tp) noexcept  // NOLINT: implicit on purpose
      : nanoseconds(detail::scale_ticks<TP::duration::period::num, TP::duration::period::den, 1, 1'000'000'000>(
            tp.time_since_epoch().count())) {}

  /// As a `std::chrono::steady_clock::time_point`.
  template <detail::chrono_time_point TP>
  operator TP() const noexcept {  // NOLINT: implicit on purpose
    using P = typename TP::duration::period;
    return TP(typename TP::duration(
        static_cast<typename TP::rep>(detail::scale_ticks<1, 1'000'000'000, P::num, P::den>(nanoseconds))));
  }

  /// Compares instants; a steady_clock time point converts, so it compares
  /// too (`msg.received < steady_clock::now()`).
  ///@{
  friend constexpr bool operator==(steady_time, steady_time) noexcept = default;
  friend constexpr bool operator<(steady_time a, steady_time b) noexcept { return a.nanoseconds < b.nanoseconds; }
  friend constexpr bool operator>(steady_time a, steady_time b) noexcept { return b < a; }
  friend constexpr bool operator<=(steady_time a, steady_time b) noexcept { return !(b < a); }
  friend constexpr bool operator>=(steady_time a, steady_time b) noexcept { return !(a < b); }
  ///@}
  /// The time from `b` to `a`, in `TP`'s duration (`steady_clock::now() -
  /// msg.received`: a message's age).
  ///@{
  template <detail::chrono_time_point TP>
  friend auto operator-(const TP& a, steady_time b) noexcept {
    return a - static_cast<TP>(b);
  }
  template <detail::chrono_time_point TP>
  friend auto operator-(steady_time a, const TP& b) noexcept {
    return static_cast<TP>(a) - b;
  }
  ///@}
};

}  // namespace tern
