#include "transport/websocket/frame_encoder.hpp"

#include <cassert>
#include <cstring>

#include "codec/utf8.hpp"

namespace tern::websocket {
namespace {

// The key repeated over 8 bytes, rotated so that its first byte lines up with `offset`.
std::uint64_t key_word(const mask_key& key, std::size_t offset) noexcept {
  std::byte rep[8];
  for (std::size_t i = 0; i < 8; ++i) rep[i] = key[(offset + i) & 3];
  std::uint64_t w;
  std::memcpy(&w, rep, 8);
  return w;
}

std::byte* write_header(std::byte* p, unsigned first, std::size_t n, const mask_key& key) noexcept {
  *p++ = std::byte(first);
  if (n < 126) {
    *p++ = std::byte(0x80 | n);
  } else if (n <= 0xFFFF) {
    *p++ = std::byte{0x80 | 126};
    *p++ = std::byte(n >> 8);
    *p++ = std::byte(n & 0xFF);
  } else {
    *p++ = std::byte{0x80 | 127};
    for (int shift = 56; shift >= 0; shift -= 8) *p++ = std::byte(static_cast<std::uint64_t>(n) >> shift & 0xFF);
  }
  std::memcpy(p, key.data(), 4);
  return p + 4;
}

result<std::size_t> encode_control(opcode op, bytes_view payload, const mask_key& key, std::span<std::byte> out) {
  if (payload.size() > max_control_payload) return errc::invalid_argument;
  return encode_frame(op, true, std::span<const bytes_view>(&payload, 1), key, out);
}

template <class Encode>
std::error_code append_with(std::size_t payload, std::vector<std::byte>& out, Encode encode) {
  auto at = out.size();
  out.resize(at + frame_size(payload));
  auto r = encode(std::span<std::byte>(out).subspan(at));
  if (!r) {
    out.resize(at);
    return r.error();
  }
  return {};
}

}  // namespace

void mask_copy(bytes_view in, std::byte* out, const mask_key& key, std::size_t offset) noexcept {
  const std::byte* p = in.data();
  const std::size_t n = in.size();
  const std::uint64_t k = key_word(key, offset);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k;
    std::memcpy(out + i, &w, 8);
  }
  for (; i < n; ++i) out[i] = p[i] ^ key[(offset + i) & 3];
}

void mask(std::span<std::byte> data, const mask_key& key, std::size_t offset) noexcept {
  mask_copy(data, data.data(), key, offset);
}

std::size_t encode_frame(opcode op, bool fin, std::span<const bytes_view> parts, const mask_key& key,
                         std::span<std::byte> out) noexcept {
  std::size_t total = 0;
  for (auto part : parts) total += part.size();
  assert(out.size() >= frame_size(total));
  assert(!(static_cast<unsigned>(op) & 0x8) || (fin && total <= max_control_payload));
  std::byte* p = write_header(out.data(), (fin ? 0x80u : 0u) | static_cast<unsigned>(op), total, key);
  std::size_t offset = 0;
  for (auto part : parts) {
    mask_copy(part, p + offset, key, offset);
    offset += part.size();
  }
  return static_cast<std::size_t>(p - out.data()) + total;
}

std::size_t encode_binary(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept {
  return encode_frame(opcode::binary, true, std::span<const bytes_view>(&payload, 1), key, out);
}

std::size_t encode_binary(std::span<const bytes_view> parts, const mask_key& key, std::span<std::byte> out) noexcept {
  return encode_frame(opcode::binary, true, parts, key, out);
}

result<std::size_t> encode_ping(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept {
  return encode_control(opcode::ping, payload, key, out);
}

result<std::size_t> encode_pong(bytes_view payload, const mask_key& key, std::span<std::byte> out) noexcept {
  return encode_control(opcode::pong, payload, key, out);
}

result<std::size_t> encode_close(std::uint16_t code, std::string_view reason, const mask_key& key,
                                 std::span<std::byte> out) noexcept {
  if (code == 0) {
    if (!reason.empty()) return errc::invalid_argument;
    return encode_frame(opcode::close, true, {}, key, out);
  }
  if (!valid_close_code(code) || reason.size() > max_close_reason ||
      codec::check_utf8(reason) == codec::utf8_status::ill_formed)
    return errc::invalid_argument;
  const std::byte code_bytes[2] = {std::byte(code >> 8), std::byte(code & 0xFF)};
  const bytes_view parts[2] = {code_bytes, as_bytes(reason)};
  return encode_frame(opcode::close, true, parts, key, out);
}

std::size_t append_binary(std::span<const bytes_view> parts, const mask_key& key, std::vector<std::byte>& out) {
  std::size_t total = 0;
  for (auto part : parts) total += part.size();
  auto at = out.size();
  out.resize(at + frame_size(total));
  return encode_binary(parts, key, std::span<std::byte>(out).subspan(at));
}

std::error_code append_ping(bytes_view payload, const mask_key& key, std::vector<std::byte>& out) {
  if (payload.size() > max_control_payload) return errc::invalid_argument;
  return append_with(payload.size(), out, [&](std::span<std::byte> o) { return encode_ping(payload, key, o); });
}

std::error_code append_pong(bytes_view payload, const mask_key& key, std::vector<std::byte>& out) {
  if (payload.size() > max_control_payload) return errc::invalid_argument;
  return append_with(payload.size(), out, [&](std::span<std::byte> o) { return encode_pong(payload, key, o); });
}

std::error_code append_close(std::uint16_t code, std::string_view reason, const mask_key& key,
                             std::vector<std::byte>& out) {
  if (reason.size() > max_close_reason) return errc::invalid_argument;
  return append_with(close_payload_size(code != 0, reason), out,
                     [&](std::span<std::byte> o) { return encode_close(code, reason, key, o); });
}

}  // namespace tern::websocket
