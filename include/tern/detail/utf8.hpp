#pragma once
// UTF-8 checks of MQTT strings; inline because every received PUBLISH topic
// goes through them. Internal to tern: not part of the stable API.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tern::codec {

enum class utf8_status { ok, ill_formed, contains_null, contains_wildcard };

/// Checks [MQTT-1.5.3-1] (well-formed UTF-8: no overlong forms, no surrogates
/// U+D800-DFFF, nothing above U+10FFFF) and [MQTT-1.5.3-2] (no U+0000).
/// U+FEFF is an ordinary character and is never stripped [MQTT-1.5.3-3].
///
/// With `reject_wildcards`, also answers `contains_wildcard` for '+' or '#'
/// (a topic *name* [MQTT-3.3.2-2]) in the same pass, so a PUBLISH topic is
/// scanned once. Precedence when several apply: ill_formed, then
/// contains_null, then contains_wildcard.
inline utf8_status check_utf8(std::string_view s, bool reject_wildcards = false) noexcept;

namespace detail {

// Non-zero when some byte of `w` is zero (exact for the "any" question).
constexpr std::uint64_t zero_byte_bits(std::uint64_t w) noexcept {
  return (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
}
constexpr std::uint64_t every_byte(unsigned char c) noexcept { return 0x0101010101010101ull * c; }

/// The byte-by-byte validator, for strings that are not pure ASCII.
utf8_status check_utf8_slow(std::string_view s, bool reject_wildcards) noexcept;

}  // namespace detail

// Topics are nearly always ASCII: this inline pass looks at eight bytes at a
// time, with no branch per byte, and leaves anything else to the slow path.
inline utf8_status check_utf8(std::string_view s, bool reject_wildcards) noexcept {
  using detail::every_byte;
  using detail::zero_byte_bits;
  const auto* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t high = 0, nul = 0, wild = 0;
  auto word = [&](std::uint64_t w) {
    high |= w & 0x8080808080808080ull;
    nul |= zero_byte_bits(w);
    if (reject_wildcards) wild |= zero_byte_bits(w ^ every_byte('+')) | zero_byte_bits(w ^ every_byte('#'));
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    word(w);
  }
  if (i < n) {
    std::uint64_t w = every_byte('a');  // pad the tail with a byte that is neither special nor zero
    std::memcpy(&w, p + i, n - i);
    word(w);
  }
  if (high) return detail::check_utf8_slow(s, reject_wildcards);
  if (nul) return utf8_status::contains_null;
  return wild ? utf8_status::contains_wildcard : utf8_status::ok;
}

}  // namespace tern::codec
