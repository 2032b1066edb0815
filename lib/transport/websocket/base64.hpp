#pragma once
// Base64 with padding (RFC 4648 4): the WebSocket handshake's
// Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 4.1), and the web
// bridge's binary payloads in JSON.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tern/packet.hpp"

namespace tern::websocket {

/// Characters of the padded Base64 form of `n` bytes.
constexpr std::size_t base64_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Writes the padded Base64 form of `in` to `out`, which must hold
/// `base64_size(in.size())` characters. Returns one past the last character written.
char* base64_encode(bytes_view in, char* out) noexcept;

/// Appends the padded Base64 form of `in` to `out`.
void base64_append(bytes_view in, std::string& out);

/// Decodes standard Base64; the padding may be left out, nothing else may
/// (no whitespace, no URL-safe alphabet). Nothing for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tern::websocket
