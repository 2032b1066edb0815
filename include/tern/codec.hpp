#pragma once
// The MQTT 3.1/3.1.1 codec: pure functions and small state machines over
// bytes. No I/O, no clock, no exceptions. See docs/codec.md.
//
// Decoding is two steps, as in nghttp2: `frame_reader` finds one whole packet
// in a byte stream, then `parse` validates it and returns views into it.
// `stream_decoder` combines both over a buffer it owns, for callers that read
// from a socket. Encoding sizes first, then writes into the caller's buffer;
// a PUBLISH payload is never copied, it is handed back for gather I/O.

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <variant>
#include <vector>

#include "tern/error.hpp"
#include "tern/packet.hpp"
#include "tern/result.hpp"

namespace tern::codec {


/// One whole packet, found in a byte stream.
struct frame {
  std::uint8_t header = 0;  ///< the first byte: type in bits 7-4, flags in bits 3-0
  bytes_view body;          ///< the Remaining Length bytes after the fixed header
  std::size_t size = 0;     ///< fixed header + body: bytes the frame occupies in the stream
};

/// Fewer bytes than a whole packet: at least `at_least` more are needed.
struct need_more {
  std::size_t at_least = 1;  ///< more bytes needed before the answer can change
};

using read_result = std::variant<frame, need_more, std::error_code>;

/// Finds packet boundaries. Holds no stream state: give it the bytes from the
/// start of the next packet on, as many as you have; it answers with the whole
/// `frame`, `need_more`, or an error for a malformed fixed header.
///
/// Errors: `errc::reserved_packet_type`, `errc::remaining_length_too_long`,
/// `errc::packet_too_large` (checked as soon as the varint is complete, before
/// the body has arrived, so nothing is ever reserved for a lying length).
///
/// **Thread safety:** const member functions, safe to share.
class frame_reader {
 public:
  /// A reader refusing packets over `max_packet` bytes (fixed header included).
  explicit frame_reader(std::size_t max_packet = default_max_packet) noexcept : max_packet_(max_packet) {}
  /// The frame at the start of `in`, `need_more`, or the fixed header's
  /// error. The frame's body refers into `in`.
  // Inline: it runs once per received packet and is a handful of instructions.
  read_result next(bytes_view in) const noexcept {
    if (in.empty()) return need_more{2};
    auto header = std::to_integer<std::uint8_t>(in[0]);
    auto type = header >> 4;
    if (type == 0 || type == 15) return make_error_code(errc::reserved_packet_type);
    // Remaining Length (2.2.3): at most 4 bytes, 7 bits each, low group first.
    std::size_t length = 0;
    std::size_t i = 1;
    for (unsigned shift = 0;; shift += 7, ++i) {
      if (i == 5) return make_error_code(errc::remaining_length_too_long);
      if (i >= in.size()) return need_more{1};
      auto digit = std::to_integer<std::size_t>(in[i]);
      length |= (digit & 0x7F) << shift;
      if (!(digit & 0x80)) break;
    }
    ++i;
    // Before anything is reserved or awaited: a lying length costs nothing.
    if (length > max_packet_) return make_error_code(errc::packet_too_large);
    std::size_t total = i + length;
    if (in.size() < total) return need_more{total - in.size()};
    return frame{header, in.subspan(i, length), total};
  }
  /// The largest packet accepted, in bytes.
  std::size_t max_packet() const noexcept { return max_packet_; }

 private:
  std::size_t max_packet_;
};

/// Validates one frame and returns the packet it holds, with views into
/// `f.body`. `version` decides the checks that differ between MQTT 3.1 and
/// 3.1.1: the CONNACK flags byte (unused in 3.1) and the SUBACK failure code
/// 0x80 (3.1.1 only). A CONNECT carries its own version.
///
/// Errors: every `errc` of the codec section in error.hpp; see docs/codec.md.
result<packet_view> parse(const frame& f, protocol_version version = protocol_version::v3_1_1) noexcept;

/// `parse` for a frame known to hold a PUBLISH (`f.header >> 4 == 3`): the
/// receive hot path, inline and without the `packet_view` variant. Same
/// checks and errors as `parse`. Defined in tern/detail/parse_publish.hpp.
inline result<publish_view> parse_publish(const frame& f) noexcept;

/// A packet decoder over a byte stream, with a buffer it owns and reuses.
///
/// Write received bytes either with `feed` (copies) or, to read straight from a
/// socket, into `prepare(n)` followed by `commit(bytes_read)`. Then call `next`
/// until it answers `need_more`. A packet returned by `next` borrows the
/// decoder's buffer: it stays valid until the next `prepare`, `feed` or `reset`.
/// After an error the stream cannot be resynchronised; `next` keeps answering
/// the same error until `reset`.
///
/// **Thread safety:** distinct objects safe, shared objects unsafe.
class stream_decoder {
 public:
  /// A packet (its views into the decoder's buffer, valid until the next
  /// call), `need_more`, or the error.
  using next_result = std::variant<packet_view, need_more, std::error_code>;

  /// A decoder refusing packets over `max_packet` bytes, parsing CONNECTs
  /// and CONNACKs as `version` does.
  explicit stream_decoder(std::size_t max_packet = default_max_packet,
                          protocol_version version = protocol_version::v3_1_1);

  /// Writable space of at least `n` bytes after the buffered ones. Moves a
  /// partial packet to the front of the buffer first when that makes room.
  std::span<std::byte> prepare(std::size_t n);
  /// Marks `n` bytes of the last `prepare` as received.
  void commit(std::size_t n) noexcept;
  /// Gives back buffer memory beyond `n` bytes, or beyond the bytes held
  /// (a partial packet) when those are more. Invalidates `prepare`'s span
  /// and the views of the last packet `next` returned.
  void shrink(std::size_t n);
  /// Bytes of buffer memory held.
  std::size_t capacity() const noexcept { return buf_.capacity(); }
  /// Copies `bytes` in: `prepare` + `commit`.
  void feed(bytes_view bytes);
  /// The next whole packet, `need_more`, or the decoding error.
  next_result next() noexcept;
  /// The next whole frame, unparsed, for callers that dispatch on the type
  /// themselves (a session sends PUBLISH frames to `parse_publish`, the rest
  /// to `parse`). The frame is consumed: a parse error is the caller's to handle.
  read_result next_frame() noexcept;

  /// Bytes received but not yet returned as packets.
  std::size_t buffered() const noexcept { return end_ - begin_; }
  /// Forgets buffered bytes and any error (for a new connection).
  void reset() noexcept;
  /// The protocol version packets are parsed as (3.1 has no CONNACK flags).
  ///@{
  void set_version(protocol_version v) noexcept { version_ = v; }
  protocol_version version() const noexcept { return version_; }
  ///@}
  /// The largest packet accepted, in bytes.
  std::size_t max_packet() const noexcept { return reader_.max_packet(); }

 private:
  frame_reader reader_;
  protocol_version version_;
  std::vector<std::byte> buf_;
  std::size_t begin_ = 0;  // first byte not yet consumed
  std::size_t end_ = 0;    // one past the last committed byte
  std::error_code error_;
};

/// An encoded packet as two buffers for gather I/O: `head` (in the caller's
/// buffer) followed by `payload` (a PUBLISH payload, borrowed, never copied;
/// empty for every other packet).
struct encoded {
  std::span<const std::byte> head;  ///< fixed header and variable header (and the body, for all but PUBLISH)
  bytes_view payload;               ///< a PUBLISH's payload; empty otherwise
  /// The whole packet's size in bytes.
  std::size_t size() const noexcept { return head.size() + payload.size(); }
};

/// Bytes that `encode` writes into its output buffer: the whole packet, except
/// a PUBLISH payload. Fails when the packet cannot be put on the wire:
/// `errc::string_too_long`, `errc::packet_too_large` (Remaining Length over
/// 268,435,455), `errc::zero_packet_id`, `errc::no_topic_filters`,
/// `errc::password_without_user_name`, `errc::invalid_qos_argument`.
result<std::size_t> encoded_head_size(const packet_view& p) noexcept;
result<std::size_t> encoded_head_size(const publish_view& p) noexcept;

/// Writes `p` into `out`, which must hold `encoded_head_size(p)` bytes
/// (checked with an assertion). The packet must have passed `encoded_head_size`.
encoded encode(const packet_view& p, std::span<std::byte> out) noexcept;
encoded encode(const publish_view& p, std::span<std::byte> out) noexcept;

/// Appends the whole packet, payload included, to `out`. For tests, tools and
/// cold paths; the hot path uses `encode` and gather I/O.
std::error_code encode_to(const packet_view& p, std::vector<std::byte>& out);

}  // namespace tern::codec

#include "tern/detail/parse_publish.hpp"
