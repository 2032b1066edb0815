#pragma once
// Base64 with padding (RFC 4648 4), only what the WebSocket handshake needs:
// Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 4.1).

#include <cstddef>
#include <string>

#include "tern/packet.hpp"

namespace tern::websocket {

/// Characters of the padded Base64 form of `n` bytes.
constexpr std::size_t base64_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Writes the padded Base64 form of `in` to `out`, which must hold
/// `base64_size(in.size())` characters. Returns one past the last character written.
char* base64_encode(bytes_view in, char* out) noexcept;

/// Appends the padded Base64 form of `in` to `out`.
void base64_append(bytes_view in, std::string& out);

}  // namespace tern::websocket
