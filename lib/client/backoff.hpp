#pragma once
// Exponential back-off with jitter for reconnection.

#include <chrono>
#include <cstdint>
#include <random>

#include "session/splitmix64.hpp"

namespace tern::detail {

/// Delays min, 2·min, 4·min ... up to max, each drawn uniformly from
/// [d/2, d] so that clients cut off together do not come back together.
class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
      : min_(min < std::chrono::milliseconds(1) ? std::chrono::milliseconds(1) : min),
        max_(max < min_ ? min_ : max),
        next_(min_),
        rng_(seed) {}

  std::chrono::milliseconds next() {
    auto d = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_int_distribution<std::int64_t> pick(d.count() / 2, d.count());
    return std::chrono::milliseconds(pick(rng_));
  }
  void reset() noexcept { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
  splitmix64_engine rng_;
};

}  // namespace tern::detail
