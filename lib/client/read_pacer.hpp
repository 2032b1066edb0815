#pragma once
// Under sustained traffic a reader that takes each packet as it arrives goes
// back to sleep after every one and is woken for the next: a context switch
// for it, and for the broker a cross-CPU wake-up inside every write (in
// tern-bench at QoS 0, 13 % of mosquitto's time, and most of the client's).
// A short pause before the next read lets packets pile up in the socket, so
// that one wake-up and one read take many. Paced or bursty traffic is left
// alone: the pause starts only after a streak of reads whose data came
// almost as soon as the client was ready for it.
//
// The pause adapts: one that brought several packets is doubled (up to
// max_factor times the configured one), one that brought fewer is halved
// (down to the configured one). At 50,000 msgs/s a 60 µs pause takes 3
// packets per wake-up and a 240 µs one 12; in tern-bench, QoS 1 and 2 went
// from 39-43k and 19-25k msgs/s to 44-54k and 25-27k with the longer pause.
// Slower traffic never lengthens it: at 20,000 msgs/s 60 µs brings ~1.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "tern/session.hpp"

namespace tern::detail {

/// **Thread safety:** use from one strand.
class read_pacer {
 public:
  /// Quick reads in a row before pausing.
  static constexpr int streak_needed = 4;
  /// How much longer than a pause a read may wait and still be quick.
  static constexpr clock::duration margin = std::chrono::microseconds(40);
  /// The longest pause, in multiples of the configured one.
  static constexpr int max_factor = 4;
  /// A pause after which a read brought at least this many packets is
  /// doubled; one that brought fewer is halved.
  static constexpr std::uint64_t grow_at = 3;

  explicit read_pacer(clock::duration pause) noexcept
      : base_(pause),
        pause_(pause),
        quick_(std::max<clock::duration>(pause + margin, std::chrono::microseconds(100))) {}

  /// The client was ready for more bytes at `ready` (before any pause) and a
  /// read brought `n` of them, `packets` packets, into a buffer of
  /// `capacity`, at `done`. Returns how long to wait before the next read
  /// (zero: read at once). A full buffer means more bytes are waiting already.
  clock::duration pause_before_next(clock::time_point ready, clock::time_point done, std::size_t n,
                                    std::size_t capacity, std::uint64_t packets) noexcept {
    bool after_pause = last_pause_ > clock::duration::zero();
    auto limit = after_pause ? std::max(last_pause_ + margin, quick_) : quick_;
    last_pause_ = clock::duration::zero();
    if (done - ready >= limit) {  // traffic slowed down: start over
      streak_ = 0;
      pause_ = base_;
      return clock::duration::zero();
    }
    ++streak_;
    if (after_pause) pause_ = packets >= grow_at ? std::min(pause_ * 2, base_ * max_factor) : std::max(pause_ / 2, base_);
    if (streak_ < streak_needed || n >= capacity) return clock::duration::zero();
    last_pause_ = pause_;
    return pause_;
  }

 private:
  clock::duration base_;
  clock::duration pause_;
  clock::duration quick_;
  clock::duration last_pause_{};
  int streak_ = 0;
};

}  // namespace tern::detail
