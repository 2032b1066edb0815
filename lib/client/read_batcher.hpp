#pragma once
// The adaptive read interval. A live stream of small messages costs a
// receiver one wake-up per message: in a Python handler that is most of its
// CPU, in tern_asyncio at 20,000 msgs/s over half of it. Holding the next
// read for a while lets the messages that arrive meanwhile be read, decoded,
// acknowledged and handed over together, but a fixed hold delays every
// message that follows another closely, however slow the stream.
//
// So the hold follows the stream: the rate of incoming PUBLISH packets,
// averaged over the last few reads, sets a hold that gathers about
// `batch` of them, no longer than the configured interval. A stream too
// slow to fill a hold with `fewest` messages is not held at all (the hold
// would cost latency and save little), nor one that would be held less
// than `shortest`: at such rates (a drained backlog) reads gather messages
// without help, and a broker that sends each message in a segment of its
// own wakes the reader's edge-triggered epoll for every one, held or not
// (holds of about 140 µs took a 235,000 msgs/s drain down to 142,000, at
// twice the CPU per message).
// Only incoming messages count, and the client holds no read while the
// broker owes it an answer (client_connection.cpp): a publisher would wait
// for a hold once per in-flight window, the broker once per QoS 2 window,
// a subscription or a PINGREQ once each.

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "tern/session_options.hpp"

namespace tern::detail {

/// **Thread safety:** use from one strand.
class read_batcher {
 public:
  /// Messages a hold aims to gather: enough that the wake-ups, the read and
  /// the write of acknowledgements cost a few percent of the batch's work,
  /// few enough that a hold at 100,000 msgs/s stays near 300 µs.
  static constexpr double batch = 32;
  /// A hold that would gather fewer (the stream is slower than this many
  /// per longest hold) is not made: it would save at most 3 wake-ups in 4
  /// for the latency of every message in it.
  static constexpr double fewest = 4;
  /// A hold shorter than this is not made: the stream batches by itself.
  static constexpr clock::duration shortest = std::chrono::microseconds(250);
  /// Weight of the newest read in the averages: a stream's change of pace
  /// shows within a handful of reads, one odd read moves them by a quarter.
  static constexpr double weight = 0.25;
  /// The longest time between reads the averages take in: a quiet spell
  /// counts as this much, so that a stream after it is held once a few
  /// dozen reads show it, however long the spell was.
  static constexpr double longest_span = 1.0;

  /// `longest`: the configured interval, greater than zero.
  explicit read_batcher(clock::duration longest) noexcept : longest_(longest) {}

  /// A read finished at `done`, bringing `messages` PUBLISH packets.
  /// Returns how long to hold the next read (zero: read at once).
  clock::duration hold_after(clock::time_point done, std::uint64_t messages) noexcept {
    using seconds = std::chrono::duration<double>;
    auto span = std::min(std::chrono::duration_cast<seconds>(done - last_).count(), longest_span);
    last_ = done;
    // Messages per read and time per read are averaged apart, and the rate
    // is their ratio: an average of each read's own rate would make a pair
    // of messages close together look like a fast stream.
    messages_ += weight * (static_cast<double>(messages) - messages_);
    span_ += weight * (span - span_);
    if (span_ <= 0) return clock::duration::zero();
    double rate = messages_ / span_;
    auto longest = std::chrono::duration_cast<seconds>(longest_);
    if (rate * longest.count() < fewest) return clock::duration::zero();
    auto hold = std::chrono::duration_cast<clock::duration>(std::min(seconds(batch / rate), longest));
    return hold < shortest ? clock::duration::zero() : hold;
  }

 private:
  clock::duration longest_;
  clock::time_point last_{};
  double messages_ = 0;
  double span_ = longest_span;
};

}  // namespace tern::detail
