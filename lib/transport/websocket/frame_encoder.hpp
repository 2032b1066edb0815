#pragma once
// Encoder of client-to-server WebSocket frames (RFC 6455 5.2, 5.3), sans I/O.
//
// A client masks every frame it sends (5.1) with a 4-byte key the caller draws
// from a strong random source (10.3). Masking transforms the payload, so
// unlike the MQTT codec's gather output the payload is copied here, XORed on
// the way, 8 bytes at a time.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tern/result.hpp"
#include "transport/websocket/frame.hpp"

namespace tern::websocket {

/// Bytes of a masked frame header for a payload of `payload` bytes:
/// 2 + 4 (mask) for up to 125, + 2 for up to 65,535, + 8 above (5.2).
constexpr std::size_t header_size(std::size_t payload) noexcept {
  return 2 + 4 + (payload < 126 ? 0 : payload <= 0xFFFF ? 2 : 8);
}
/// Bytes of a whole masked frame: header and payload.
constexpr std::size_t frame_size(std::size_t payload) noexcept { return header_size(payload) + payload; }

/// XORs `data` with `key`, as if `data` started `offset` bytes into a frame's
/// payload (5.3). Masking twice with the same key and offset restores the data.
void mask(std::span<std::byte> data, const mask_key& key, std::size_t offset = 0) noexcept;

/// Writes `in` XOR `key` to `out` (out.size() >= in.size(); may equal `in`),
/// `offset` bytes into the payload. Eight bytes per step.
void mask_copy(bytes_view in, std::byte* out, const mask_key& key, std::size_t offset = 0) noexcept;

/// Writes one masked frame: the header, then `parts` one after the other,
/// masked, as one payload (gather input: an MQTT head and its payload go out as
/// one frame). `out` must hold `frame_size(total)` bytes, total being the sum
/// of the parts (checked with an assertion). Returns the bytes written.
/// Control opcodes need a payload of at most 125 bytes (asserted); use the
/// checked functions below for them.
std::size_t encode_frame(websocket::opcode op, bool fin, std::span<const bytes_view> parts, const mask_key& key,
                         std::span<std::byte> out) noexcept;

/// One final binary frame holding `payload` [MQTT-6.0.0-1]. `out` holds
/// `frame_size(payload.size())` bytes. Returns the bytes written.
std::size_t encode_binary(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept;
/// One final binary frame holding the parts in order, e.g. `{head, payload}`
/// of a `codec::encoded`. `out` holds `frame_size(sum of sizes)` bytes.
std::size_t encode_binary(std::span<const bytes_view> parts, const mask_key& key, std::span<std::byte> out) noexcept;

/// Ping and pong frames (5.5.2, 5.5.3); a pong echoes the ping's payload.
/// `out` holds `frame_size(payload.size())` bytes.
/// Errors: `errc::invalid_argument` for a payload over 125 bytes.
result<std::size_t> encode_ping(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept;
result<std::size_t> encode_pong(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept;

/// Payload bytes of a close frame: 0 without a code, else 2 + reason.
constexpr std::size_t close_payload_size(bool has_code, std::string_view reason) noexcept {
  return has_code ? 2 + reason.size() : 0;
}
/// A close frame (5.5.1) with a status code and a UTF-8 reason, or with an
/// empty payload when `code` is 0 (then `reason` must be empty).
/// `out` holds `frame_size(close_payload_size(code != 0, reason))` bytes.
/// Errors: `errc::invalid_argument` for a code that may not be sent (7.4;
/// `valid_close_code`), a reason over 123 bytes, a reason that is not UTF-8,
/// or a reason without a code.
result<std::size_t> encode_close(std::uint16_t code, std::string_view reason, const mask_key& key,
                                 std::span<std::byte> out) noexcept;

/// Appends a frame made by one of the encoders above to `out`, growing it
/// (the capacity of a reused vector is kept, so a warm buffer does not allocate).
std::size_t append_binary(std::span<const bytes_view> parts, const mask_key& key, std::vector<std::byte>& out);
std::error_code append_ping(bytes_view payload, const mask_key& key, std::vector<std::byte>& out);
std::error_code append_pong(bytes_view payload, const mask_key& key, std::vector<std::byte>& out);
std::error_code append_close(std::uint16_t code, std::string_view reason, const mask_key& key,
                             std::vector<std::byte>& out);

}  // namespace tern::websocket
