#pragma once
// Hex literals for byte-exact test vectors, shared by every test folder.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::test {

/// "82 05 48 65" -> bytes. Spaces and line breaks are ignored; so is text after
/// '#' on a line, for annotated vectors. A single-quoted run is ASCII:
/// "10 0e 00 04 'MQTT'".
inline std::vector<std::byte> hex(std::string_view s) {
  std::vector<std::byte> out;
  int hi = -1;
  bool comment = false, quoted = false;
  for (char c : s) {
    if (quoted) {
      if (c == '\'') quoted = false;
      else out.push_back(std::byte(c));
      continue;
    }
    if (c == '#') comment = true;
    if (c == '\n') comment = false;
    if (comment) continue;
    if (c == '\'') {
      quoted = true;
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(std::byte(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

/// Bytes as "82 05 48 65", for readable failure messages.
inline std::string to_hex(std::span<const std::byte> b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    auto v = std::to_integer<unsigned>(x);
    if (!s.empty()) s += ' ';
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

}  // namespace tern::test
