#pragma once
// The client's send path: packets queue up while a write is on the wire and
// leave together in the next one (several packets per syscall), by gather
// I/O. Heads and small payloads are copied into a reused buffer; a large
// payload the session keeps alive until the write is over (QoS 1/2, held
// until acknowledged) is written from where it lies, without a copy.
// A QoS 0 message is complete once its bytes are written, not when they are
// queued: the queue keeps the message ids each write carries, so that a
// publisher's window counts what is still in the client's memory.

#include <asio/buffer.hpp>
#include <span>
#include <vector>

#include "tern/packet.hpp"
#include "tern/session.hpp"

namespace tern::detail {

/// **Thread safety:** use from one strand.
class write_queue {
 public:
  /// Payloads at least this large and stable are referenced, not copied.
  static constexpr std::size_t reference_threshold = 1024;

  /// Queues `head` then `payload`. `payload_stable`: the bytes stay valid
  /// until this queue's in-flight write is `done()`.
  void add(bytes_view head, bytes_view payload, bool payload_stable);

  bool has_pending() const noexcept { return !pending_.segments.empty(); }
  bool in_flight() const noexcept { return in_flight_; }
  /// Bytes of memory the queue holds (its vectors' capacities).
  std::size_t capacity() const noexcept {
    return pending_.capacity() + writing_.capacity() + buffers_.capacity() * sizeof(asio::const_buffer);
  }

  /// Ties `mid` to what is queued so far: `done` reports it with the write
  /// that carries the last of those bytes.
  void complete_when_written(message_id mid) { pending_.mids.push_back(mid); }

  /// Moves what is queued to the in-flight side and returns it as buffers
  /// for one gather write. Needs `has_pending() && !in_flight()`.
  std::span<const asio::const_buffer> start();
  /// The first `n` bytes of the in-flight buffers were written by other
  /// means; returns the buffers of the rest.
  std::span<const asio::const_buffer> consume(std::size_t n) noexcept;
  /// The in-flight write is over; calls `each(mid)` for the message ids it
  /// carried (whether it succeeded is the caller's to say).
  template <class F>
  void done(F&& each) {
    in_flight_ = false;
    for (auto mid : writing_.mids) each(mid);
    writing_.trim();
    writing_.clear();
    trim(buffers_);
  }
  /// Gives back the memory of the side that is not being written, when it
  /// holds nothing, and of the gather list between writes: for a quiet
  /// connection.
  void release_idle() noexcept {
    if (pending_.segments.empty()) pending_ = side{};
    if (!in_flight_) {
      writing_ = side{};
      buffers_ = std::vector<asio::const_buffer>();  // not `= {}`: that keeps the capacity
    }
  }
  /// Forgets everything (the connection is gone), calling `each(mid)` for
  /// every message id never written. Keeps the capacity.
  template <class F>
  void clear(F&& each) {
    for (auto mid : writing_.mids) each(mid);
    for (auto mid : pending_.mids) each(mid);
    pending_.clear();
    writing_.clear();
    buffers_.clear();
    in_flight_ = false;
  }

 private:
  struct segment {
    const std::byte* external;  // nullptr: `size` bytes at `offset` of `bytes`
    std::size_t offset;
    std::size_t size;
  };
  /// A vector that grew past this many bytes for a burst is given back once
  /// a write uses less than an eighth of it: a connection whose traffic
  /// calmed down keeps no burst-sized buffers.
  static constexpr std::size_t trim_above = 4096;
  template <class T>
  static void trim(std::vector<T>& v) {
    if (v.capacity() * sizeof(T) > trim_above && v.size() < v.capacity() / 8) std::vector<T>().swap(v);
  }
  struct side {
    std::vector<std::byte> bytes;
    std::vector<segment> segments;
    std::vector<message_id> mids;  // complete once these bytes are written
    void clear() noexcept {
      bytes.clear();
      segments.clear();
      mids.clear();
    }
    std::size_t capacity() const noexcept {
      return bytes.capacity() + segments.capacity() * sizeof(segment) + mids.capacity() * sizeof(message_id);
    }
    void trim() {
      write_queue::trim(bytes);
      write_queue::trim(segments);
      write_queue::trim(mids);
    }
  };
  void copy(bytes_view b);

  side pending_, writing_;
  std::vector<asio::const_buffer> buffers_;
  bool in_flight_ = false;
};

}  // namespace tern::detail
