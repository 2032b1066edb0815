#pragma once
// Big-endian integers, length-prefixed strings and the Remaining Length
// varint (1.5.2, 1.5.3, 2.2.3), shared by the parsers and the encoders.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "codec/utf8.hpp"
#include "tern/error.hpp"
#include "tern/packet.hpp"

namespace tern::codec {

/// Bytes of the Remaining Length varint for `n` (n <= 268,435,455).
constexpr std::size_t varint_size(std::size_t n) noexcept {
  return n < 128 ? 1 : n < 16'384 ? 2 : n < 2'097'152 ? 3 : 4;
}

inline std::byte* write_varint(std::byte* p, std::size_t n) noexcept {
  do {
    auto digit = static_cast<std::uint8_t>(n & 0x7F);
    n >>= 7;
    if (n) digit |= 0x80;
    *p++ = std::byte{digit};
  } while (n);
  return p;
}

/// Reads fields front to back and says precisely what went wrong.
class wire_reader {
 public:
  explicit wire_reader(bytes_view b) noexcept : p_(b.data()), end_(b.data() + b.size()) {}

  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  const std::byte* pos() const noexcept { return p_; }
  bytes_view rest() const noexcept { return {p_, left()}; }

  bool u8(std::uint8_t& v) noexcept {
    if (left() < 1) return false;
    v = std::to_integer<std::uint8_t>(*p_++);
    return true;
  }
  bool u16(std::uint16_t& v) noexcept {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((std::to_integer<unsigned>(p_[0]) << 8) | std::to_integer<unsigned>(p_[1]));
    p_ += 2;
    return true;
  }
  /// A 2-byte length and that many bytes [MQTT-1.5.3].
  errc binary(bytes_view& v) noexcept {
    std::uint16_t len;
    if (!u16(len) || left() < len) return errc::length_prefix_overflow;
    v = {p_, len};
    p_ += len;
    return errc{};
  }
  /// A UTF-8 string: checked for [MQTT-1.5.3-1] and [MQTT-1.5.3-2].
  errc string(std::string_view& v) noexcept { return checked_string(v, false); }

  /// A topic name: a UTF-8 string, non-empty [MQTT-4.7.3-1], without
  /// wildcards [MQTT-3.3.2-2]; all checked in one pass over the bytes.
  errc topic_name(std::string_view& v) noexcept {
    if (auto e = checked_string(v, true); e != errc{}) return e;
    return v.empty() ? errc::empty_topic : errc{};
  }

 private:
  errc checked_string(std::string_view& v, bool topic_name) noexcept {
    bytes_view b;
    if (auto e = binary(b); e != errc{}) return e;
    v = as_chars(b);
    switch (check_utf8(v, topic_name)) {
      case utf8_status::ok: return errc{};
      case utf8_status::ill_formed: return errc::utf8_ill_formed;
      case utf8_status::contains_null: return errc::utf8_contains_null;
      case utf8_status::contains_wildcard: return errc::wildcard_in_topic_name;
    }
    return errc{};
  }

  const std::byte* p_;
  const std::byte* end_;
};

/// Writes fields into a buffer sized beforehand; never checks bounds itself.
class wire_writer {
 public:
  explicit wire_writer(std::byte* p) noexcept : p_(p) {}
  std::byte* pos() const noexcept { return p_; }

  void u8(std::uint8_t v) noexcept { *p_++ = std::byte{v}; }
  void u16(std::uint16_t v) noexcept {
    p_[0] = std::byte(v >> 8);
    p_[1] = std::byte(v & 0xFF);
    p_ += 2;
  }
  void raw(bytes_view b) noexcept {
    if (!b.empty()) std::memcpy(p_, b.data(), b.size());
    p_ += b.size();
  }
  void binary(bytes_view b) noexcept {
    u16(static_cast<std::uint16_t>(b.size()));
    raw(b);
  }
  void string(std::string_view s) noexcept { binary(as_bytes(s)); }
  void fixed_header(std::uint8_t first, std::size_t remaining_length) noexcept {
    u8(first);
    p_ = write_varint(p_, remaining_length);
  }

 private:
  std::byte* p_;
};

/// Bytes on the wire of a length-prefixed field.
constexpr std::size_t prefixed_size(std::size_t n) noexcept { return 2 + n; }
inline constexpr std::size_t max_string = 65'535;

}  // namespace tern::codec
