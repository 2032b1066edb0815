#pragma once
// The small vocabulary every tern header shares: protocol versions, QoS,
// byte views and the packet size limits. Light on purpose: the client's
// header includes it, and so every program that uses the client.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tern {

/// Protocol level on the wire: 3 is MQTT 3.1 (`MQIsdp`), 4 is MQTT 3.1.1 (`MQTT`).
enum class protocol_version : std::uint8_t { v3_1 = 3, v3_1_1 = 4 };

/// Quality of service (4.3).
enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// The SUBACK return code of a refused filter (3.9.3); 0, 1 and 2 are the
/// QoS granted.
inline constexpr std::uint8_t suback_failure = 0x80;

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
