#include "transport/websocket/base64.hpp"

#include <array>
#include <cstdint>

namespace tern::websocket {

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

char* base64_encode(bytes_view in, char* out) noexcept {
  std::size_t i = 0;
  const std::size_t n = in.size();
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = std::to_integer<std::uint32_t>(in[i]) << 16 | std::to_integer<std::uint32_t>(in[i + 1]) << 8 |
                      std::to_integer<std::uint32_t>(in[i + 2]);
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = alphabet[(v >> 6) & 63];
    *out++ = alphabet[v & 63];
  }
  if (std::size_t rest = n - i) {
    std::uint32_t v = std::to_integer<std::uint32_t>(in[i]) << 16;
    if (rest == 2) v |= std::to_integer<std::uint32_t>(in[i + 1]) << 8;
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    *out++ = '=';
  }
  return out;
}

void base64_append(bytes_view in, std::string& out) {
  auto at = out.size();
  out.resize(at + base64_size(in.size()));
  base64_encode(in, out.data() + at);
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no whole byte in a lone character
  static const auto value = [] {
    std::array<int, 256> v{};
    v.fill(-1);
    for (int k = 0; k < 64; ++k) v[static_cast<unsigned char>(alphabet[k])] = k;
    return v;
  }();
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int v = value[static_cast<unsigned char>(ch)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace tern::websocket
