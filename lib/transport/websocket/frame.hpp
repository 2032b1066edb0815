#pragma once
// WebSocket frame vocabulary (RFC 6455 5.2), shared by the frame decoder,
// the frame encoder and client_protocol. Internal to tern (namespace
// tern::websocket, headers in lib/).

#include <array>
#include <cstddef>
#include <cstdint>

#include "tern/codec.hpp"
#include "tern/packet.hpp"
#include "tern/transport_error.hpp"

namespace tern::websocket {

/// Frame opcodes (5.2). The others (3-7, 11-15) are reserved.
enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Control frames (close, ping, pong) carry at most 125 payload bytes (5.5).
inline constexpr std::size_t max_control_payload = 125;
/// A close reason fits in a control frame after the 2-byte code (5.5.1).
inline constexpr std::size_t max_close_reason = max_control_payload - 2;

/// The masking key of a client frame (5.3): 4 bytes from a strong random
/// source, fresh for every frame (10.3). Supplied by the caller.
using mask_key = std::array<std::byte, 4>;

/// Close status codes used by tern (7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

/// Whether `code` may appear in a close frame (7.4): 1000-1003, 1007-1014
/// (1012-1014 registered with IANA after RFC 6455), and 3000-4999. Never
/// 1004-1006 or 1015, which are reserved or local-only.
constexpr bool valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/// Fewer bytes than a whole frame (or response header): at least
/// `at_least` more are needed. The codec's type, so transports handle both alike.
using codec::need_more;

}  // namespace tern::websocket
