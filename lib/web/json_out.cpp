#include "web/json_out.hpp"

#include <cstdio>

#include "tern/detail/utf8.hpp"

namespace tern::web::detail {

namespace {
// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto c = at(i);
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if ((at(i + k) & 0xC0) != 0x80) return 0;
  return n;
}
}  // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (auto n = utf8_sequence(s, i)) {
          out.append(s.substr(i, n));
          i += n - 1;
        } else {
          // Not UTF-8 (a topic in an error text, say): a browser fails a
          // WebSocket whose text frame is not, and JSON must be.
          out += "\\ufffd";
        }
    }
  }
  out += '"';
  return out;
}

void json_object::key(std::string_view k) {
  if (s_.size() > 1) s_ += ',';
  s_ += json_quote(k);
  s_ += ':';
}

json_object& json_object::add(std::string_view k, std::string_view text) {
  key(k);
  s_ += json_quote(text);
  return *this;
}

json_object& json_object::add(std::string_view k, std::int64_t n) {
  key(k);
  s_ += std::to_string(n);
  return *this;
}

json_object& json_object::add(std::string_view k, std::uint64_t n) {
  key(k);
  s_ += std::to_string(n);
  return *this;
}

json_object& json_object::add(std::string_view k, bool b) {
  key(k);
  s_ += b ? "true" : "false";
  return *this;
}

json_object& json_object::add_raw(std::string_view k, std::string_view json) {
  key(k);
  s_ += json;
  return *this;
}

bool is_json_text(std::string_view s) noexcept {
  auto st = codec::check_utf8(s);
  return st == codec::utf8_status::ok || st == codec::utf8_status::contains_null;
}

}  // namespace tern::web::detail
