#include "transport/websocket/base64.hpp"

#include <cstdint>

namespace tern::websocket {

char* base64_encode(bytes_view in, char* out) noexcept {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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

}  // namespace tern::websocket
