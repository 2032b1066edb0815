#pragma once
// Incremental decoder of server-to-client WebSocket frames (RFC 6455 5.2),
// sans I/O: bytes in, frames out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <variant>

#include "transport/websocket/frame.hpp"

namespace tern::websocket {

/// Default limit on one incoming frame's payload: the largest MQTT packet
/// (256 MiB of Remaining Length plus a 5-byte fixed header).
inline constexpr std::size_t default_max_frame_payload = codec::max_remaining_length + 5;

/// One whole frame found at the start of a byte stream.
struct frame {
  websocket::opcode opcode = opcode::binary;  ///< binary, continuation, close, ping or pong (never text)
  bool fin = true;                            ///< last frame of its message; always true for control frames
  bytes_view payload;                         ///< the payload, a view into the input (server frames are unmasked)
  std::size_t size = 0;                       ///< header + payload: bytes the frame occupies in the stream
  /// Close frames only: the status code, or none for an empty close payload (5.5.1).
  std::optional<std::uint16_t> close_code;
  /// Close frames only: the UTF-8 reason after the code (checked), possibly empty.
  std::string_view close_reason;

  /// Binary or continuation: payload bytes of the MQTT byte stream [MQTT-6.0.0-2].
  bool is_data() const noexcept { return opcode == opcode::binary || opcode == opcode::continuation; }
};

using decode_result = std::variant<frame, need_more, std::error_code>;

/// Finds frame boundaries and checks every frame a server sends. Give `next`
/// the bytes from the start of the next frame on, as many as you have; it
/// answers with the whole `frame` (payload as a view into `in`), `need_more`,
/// or an error. The caller keeps the unconsumed bytes, as with
/// `codec::frame_reader`.
///
/// The decoder tracks one bit of stream state, whether a fragmented message
/// is open (5.4); a returned frame counts as consumed. After an error the
/// stream cannot be resynchronised: stop reading and fail the connection (7.1.7).
///
/// Data frames are handed out one by one, whatever their fragmentation: an
/// MQTT packet may span frames and a frame may hold several packets
/// [MQTT-6.0.0-2], so their payloads go to the MQTT stream decoder in order.
///
/// Errors, checked as soon as the bytes that show them are present (a header
/// is judged before its payload is awaited):
/// - `websocket_errc::reserved_bits`: RSV1-3 set; tern negotiates no extension (5.2).
/// - `websocket_errc::bad_opcode`: opcode 3-7 or 11-15 (5.2).
/// - `websocket_errc::text_frame`: opcode 1 [MQTT-6.0.0-1].
/// - `websocket_errc::masked_server_frame`: MASK set (5.1).
/// - `websocket_errc::bad_control_frame`: a control frame with FIN clear or over 125 bytes (5.5).
/// - `websocket_errc::bad_continuation`: a continuation with no open message, or
///   a binary frame while one is open (5.4).
/// - `websocket_errc::bad_length`: a 64-bit length with the most significant bit
///   set, or a length not in its shortest form (5.2).
/// - `websocket_errc::frame_too_large`: a payload over `max_payload`, before it arrives.
/// - `websocket_errc::bad_close_frame`: a close payload of 1 byte, an invalid
///   status code (7.4), or a reason that is not UTF-8 (5.5.1, 8.1).
///
/// **Thread safety:** distinct objects safe, shared objects unsafe.
class frame_decoder {
 public:
  explicit frame_decoder(std::size_t max_payload = default_max_frame_payload) noexcept : max_payload_(max_payload) {}

  /// The frame at the start of `in`, `need_more`, or the error.
  decode_result next(bytes_view in) noexcept;

  /// A data message has started and its final frame has not come yet.
  bool in_message() const noexcept { return in_message_; }
  std::size_t max_payload() const noexcept { return max_payload_; }
  /// Forgets the fragmentation state (for a new connection).
  void reset() noexcept { in_message_ = false; }

 private:
  std::size_t max_payload_;
  bool in_message_ = false;
};

}  // namespace tern::websocket
