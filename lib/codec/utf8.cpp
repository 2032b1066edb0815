#include "codec/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace tern::codec {

utf8_status check_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  bool has_null = false;
  while (p < end) {
    // Topics are nearly always ASCII: test eight bytes at a time.
    if (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        // A zero byte in the word: the classic "has zero byte" bit trick.
        has_null |= ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) != 0;
        p += 8;
        continue;
      }
    }
    unsigned c = *p;
    if (c < 0x80) {
      has_null |= c == 0;
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
    if (cp >= 0xD800 && cp <= 0xDFFF) return utf8_status::ill_formed;
    p += n + 1;
  }
  return has_null ? utf8_status::contains_null : utf8_status::ok;
}

}  // namespace tern::codec
