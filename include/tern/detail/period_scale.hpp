#pragma once
// Converts a count of ticks of one std::ratio period into another's,
// truncating toward zero as std::chrono::duration_cast does, without
// <chrono> or <ratio>: for the light headers' duration and time types.

#include <cstdint>

namespace tern::detail {

constexpr std::int64_t gcd64(std::int64_t a, std::int64_t b) { return b == 0 ? a : gcd64(b, a % b); }

/// `count` ticks of `FromNum/FromDen` seconds as ticks of `ToNum/ToDen` seconds.
template <std::int64_t FromNum, std::int64_t FromDen, std::int64_t ToNum, std::int64_t ToDen, class Rep>
constexpr std::int64_t scale_ticks(Rep count) noexcept {
  constexpr std::int64_t num = FromNum * ToDen;
  constexpr std::int64_t den = FromDen * ToNum;
  constexpr std::int64_t g = gcd64(num, den);
  return static_cast<std::int64_t>(count * (num / g) / (den / g));
}

}  // namespace tern::detail
