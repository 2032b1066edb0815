#include "store/crc32c.hpp"

#include <array>

namespace tern::detail {

namespace {

// Slicing-by-8 tables of the reflected polynomial 0x82F63B78.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  return t;
}

constexpr auto tables = make_tables();

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc) noexcept {
  crc = ~crc;
  const auto* p = bytes.data();
  auto n = bytes.size();
  auto at = [&p](std::size_t i) { return std::to_integer<std::uint32_t>(p[i]); };
  while (n >= 8) {
    std::uint32_t lo = crc ^ (at(0) | at(1) << 8 | at(2) << 16 | at(3) << 24);
    crc = tables[7][lo & 0xFF] ^ tables[6][(lo >> 8) & 0xFF] ^ tables[5][(lo >> 16) & 0xFF] ^ tables[4][lo >> 24] ^
          tables[3][at(4)] ^ tables[2][at(5)] ^ tables[1][at(6)] ^ tables[0][at(7)];
    p += 8;
    n -= 8;
  }
  for (std::size_t i = 0; i < n; ++i) crc = (crc >> 8) ^ tables[0][(crc ^ at(i)) & 0xFF];
  return ~crc;
}

}  // namespace tern::detail
