#include "codec/utf8.hpp"

namespace tern::codec::detail {

utf8_status check_utf8_slow(std::string_view s, bool reject_wildcards) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  bool has_null = false;
  bool has_wildcard = false;
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      has_null |= c == 0;
      has_wildcard |= reject_wildcards && (c == '+' || c == '#');
      ++p;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return utf8_status::ill_formed;  // continuation byte, C0/C1 overlong lead, or F5+
    if (static_cast<std::size_t>(end - p) <= n) return utf8_status::ill_formed;
    for (std::size_t i = 1; i <= n; ++i) {
      unsigned cc = p[i];
      if ((cc & 0xC0) != 0x80) return utf8_status::ill_formed;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return utf8_status::ill_formed;
    if (cp >= 0xD800 && cp <= 0xDFFF) return utf8_status::ill_formed;  // surrogates [MQTT-1.5.3-1]
    p += n + 1;
  }
  if (has_null) return utf8_status::contains_null;
  return has_wildcard ? utf8_status::contains_wildcard : utf8_status::ok;
}

}  // namespace tern::codec::detail
