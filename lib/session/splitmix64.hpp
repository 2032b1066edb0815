#pragma once
// splitmix64: a 64-bit generator with 8 bytes of state, for what needs
// spread-out numbers but no secrecy (generated client ids, reconnect jitter).
// std::mt19937_64 would cost 2.5 KiB per session or client.

#include <cstdint>
#include <limits>

namespace tern::detail {

/// Advances `state` and returns the next number.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/// splitmix64 as a UniformRandomBitGenerator, for <random>'s distributions.
class splitmix64_engine {
 public:
  using result_type = std::uint64_t;
  explicit splitmix64_engine(std::uint64_t seed) noexcept : state_(seed) {}
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
  result_type operator()() noexcept { return splitmix64(state_); }

 private:
  std::uint64_t state_;
};

}  // namespace tern::detail
