#pragma once
// tern::milliseconds_arg: a duration argument of the light public headers
// (<tern/client.hpp>), which do not include <chrono> (some 46,000 lines):
// any std::chrono::duration converts to it where the caller has <chrono>.

namespace tern {

/// A duration in whole milliseconds, made from any `std::chrono::duration`
/// (truncated toward zero, as `duration_cast`).
class milliseconds_arg {
 public:
  /// `d` in milliseconds.
  template <class D>
    requires requires(const D& d) {
      d.count();
      D::period::num;
      D::period::den;
    }
  milliseconds_arg(const D& d) noexcept {  // NOLINT: implicit on purpose
    constexpr long long num = static_cast<long long>(D::period::num) * 1000;
    constexpr long long den = static_cast<long long>(D::period::den);
    constexpr long long g = gcd(num, den);
    count_ = static_cast<long long>(d.count() * (num / g) / (den / g));
  }
  /// The milliseconds.
  long long count() const noexcept { return count_; }

 private:
  static constexpr long long gcd(long long a, long long b) { return b == 0 ? a : gcd(b, a % b); }
  long long count_ = 0;
};

}  // namespace tern
