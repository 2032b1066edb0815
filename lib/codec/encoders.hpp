#pragma once
// Per-packet encoding steps. `remaining_length` validates what the wire format
// cannot carry and sizes the packet; `write_body` then writes everything after
// the fixed header except a PUBLISH payload.

#include "codec/wire.hpp"
#include "tern/codec.hpp"

namespace tern::codec::detail {

result<std::size_t> remaining_length(const connect_view& p) noexcept;
std::uint8_t first_byte(const connect_view& p) noexcept;
void write_body(const connect_view& p, wire_writer& w) noexcept;

result<std::size_t> remaining_length(const publish_view& p) noexcept;
std::uint8_t first_byte(const publish_view& p) noexcept;
void write_body(const publish_view& p, wire_writer& w) noexcept;

result<std::size_t> remaining_length(const subscribe_view& p) noexcept;
std::uint8_t first_byte(const subscribe_view& p) noexcept;
void write_body(const subscribe_view& p, wire_writer& w) noexcept;

result<std::size_t> remaining_length(const unsubscribe_view& p) noexcept;
std::uint8_t first_byte(const unsubscribe_view& p) noexcept;
void write_body(const unsubscribe_view& p, wire_writer& w) noexcept;

result<std::size_t> remaining_length(const suback_view& p) noexcept;
std::uint8_t first_byte(const suback_view& p) noexcept;
void write_body(const suback_view& p, wire_writer& w) noexcept;

/// A remaining length, or `packet_too_large` past what 4 varint bytes hold.
inline result<std::size_t> checked_length(std::size_t n) noexcept {
  if (n > max_remaining_length) return errc::packet_too_large;
  return n;
}

}  // namespace tern::codec::detail
