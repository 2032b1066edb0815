#pragma once
// The client's send path: packets queue up while a write is on the wire and
// leave together in the next one (several packets per syscall), by gather
// I/O. Heads and small payloads are copied into a reused buffer; a large
// payload the session keeps alive until the write is over (QoS 1/2, held
// until acknowledged) is written from where it lies, without a copy.

#include <asio/buffer.hpp>
#include <span>
#include <vector>

#include "tern/packet.hpp"

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

  /// Moves what is queued to the in-flight side and returns it as buffers
  /// for one gather write. Needs `has_pending() && !in_flight()`.
  std::span<const asio::const_buffer> start();
  /// The in-flight write is over.
  void done() noexcept;
  /// Forgets everything (the connection is gone). Keeps the capacity.
  void clear() noexcept;

 private:
  struct segment {
    const std::byte* external;  // nullptr: `size` bytes at `offset` of `bytes`
    std::size_t offset;
    std::size_t size;
  };
  struct side {
    std::vector<std::byte> bytes;
    std::vector<segment> segments;
    void clear() noexcept {
      bytes.clear();
      segments.clear();
    }
  };
  void copy(bytes_view b);

  side pending_, writing_;
  std::vector<asio::const_buffer> buffers_;
  bool in_flight_ = false;
};

}  // namespace tern::detail
