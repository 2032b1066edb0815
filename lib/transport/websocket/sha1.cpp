#include "transport/websocket/sha1.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tern::websocket {

sha1::sha1() noexcept : h_{0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u} {}

void sha1::block(const std::byte* p) noexcept {
  std::uint32_t w[80];
  for (int t = 0; t < 16; ++t) {
    w[t] = std::to_integer<std::uint32_t>(p[4 * t]) << 24 | std::to_integer<std::uint32_t>(p[4 * t + 1]) << 16 |
           std::to_integer<std::uint32_t>(p[4 * t + 2]) << 8 | std::to_integer<std::uint32_t>(p[4 * t + 3]);
  }
  for (int t = 16; t < 80; ++t) w[t] = std::rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int t = 0; t < 80; ++t) {
    std::uint32_t f, k;
    if (t < 20) f = (b & c) | (~b & d), k = 0x5A827999u;
    else if (t < 40) f = b ^ c ^ d, k = 0x6ED9EBA1u;
    else if (t < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
    else f = b ^ c ^ d, k = 0xCA62C1D6u;
    std::uint32_t temp = std::rotl(a, 5) + f + e + w[t] + k;
    e = d;
    d = c;
    c = std::rotl(b, 30);
    b = a;
    a = temp;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void sha1::update(bytes_view data) noexcept {
  if (data.empty()) return;
  total_ += data.size();
  const std::byte* p = data.data();
  std::size_t n = data.size();
  if (buffered_) {
    std::size_t take = std::min(n, buf_.size() - buffered_);
    std::memcpy(buf_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < buf_.size()) return;
    block(buf_.data());
    buffered_ = 0;
  }
  for (; n >= 64; p += 64, n -= 64) block(p);
  if (n) std::memcpy(buf_.data(), p, n);
  buffered_ = n;
}

sha1_digest sha1::finish() noexcept {
  // RFC 3174 4: a 1 bit, zeros to 56 mod 64, then the length in bits, big-endian.
  std::uint64_t bits = total_ * 8;
  buf_[buffered_++] = std::byte{0x80};
  if (buffered_ > 56) {
    std::memset(buf_.data() + buffered_, 0, 64 - buffered_);
    block(buf_.data());
    buffered_ = 0;
  }
  std::memset(buf_.data() + buffered_, 0, 56 - buffered_);
  for (int i = 0; i < 8; ++i) buf_[56 + i] = std::byte(bits >> (56 - 8 * i));
  block(buf_.data());
  sha1_digest out;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = std::byte(h_[i] >> (24 - 8 * j));
  return out;
}

sha1_digest sha1_of(bytes_view data) noexcept {
  sha1 s;
  s.update(data);
  return s.finish();
}

}  // namespace tern::websocket
