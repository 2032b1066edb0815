#pragma once
// Under sustained traffic a reader that takes each packet as it arrives goes
// back to sleep after every one and is woken for the next: a context switch
// for it, and for the broker a cross-CPU wake-up inside every write (in
// tern-bench at QoS 0, 13 % of mosquitto's time, and most of the client's).
// A short pause before the next read lets packets pile up in the socket, so
// that one wake-up and one read take many. Paced or bursty traffic is left
// alone: the pause starts only after a streak of reads whose data came
// almost as soon as the client was ready for it.

#include <algorithm>
#include <chrono>
#include <cstddef>

#include "tern/session.hpp"

namespace tern::detail {

/// **Thread safety:** use from one strand.
class read_pacer {
 public:
  /// Quick reads in a row before pausing.
  static constexpr int streak_needed = 4;
  /// How much longer than the pause a read may wait and still be quick.
  static constexpr clock::duration margin = std::chrono::microseconds(40);

  explicit read_pacer(clock::duration pause) noexcept
      : quick_(std::max<clock::duration>(pause + margin, std::chrono::microseconds(100))) {}

  /// The client was ready for more bytes at `ready` (before any pause) and a
  /// read brought `n` of them, into a buffer of `capacity`, at `done`.
  /// Returns true when the next read should wait for more bytes to arrive; a
  /// full buffer means more are waiting already. A read that waited out a
  /// pause still counts as quick: the streak goes on while traffic lasts.
  bool pause_before_next(clock::time_point ready, clock::time_point done, std::size_t n,
                         std::size_t capacity) noexcept {
    streak_ = done - ready < quick_ ? streak_ + 1 : 0;
    return streak_ >= streak_needed && n < capacity;
  }

 private:
  clock::duration quick_;
  int streak_ = 0;
};

}  // namespace tern::detail
