#pragma once
// The vocabulary of the codec and the session: <tern/core_types.hpp>, plus
// byte views and the packet size limits.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tern/core_types.hpp"

namespace tern {

/// A view of bytes: a payload, a packet, a buffer.
using bytes_view = std::span<const std::byte>;

/// Views `s` as bytes (for payloads held in strings).
inline bytes_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
/// Views `b` as characters.
inline std::string_view as_chars(bytes_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace tern

namespace tern::codec {

/// Default limit on an incoming packet's Remaining Length: 256 MiB, the most
/// the specification allows (2.2.3).
inline constexpr std::size_t default_max_packet = 256u * 1024u * 1024u;
/// The largest Remaining Length a 4-byte varint holds.
inline constexpr std::size_t max_remaining_length = 268'435'455;

}  // namespace tern::codec
