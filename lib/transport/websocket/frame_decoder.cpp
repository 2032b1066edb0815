#include "transport/websocket/frame_decoder.hpp"

#include "codec/utf8.hpp"

namespace tern::websocket {
namespace {

constexpr bool is_control(unsigned op) noexcept { return op & 0x8; }

std::error_code check_close(frame& f) noexcept {
  auto p = f.payload;
  if (p.empty()) return {};
  if (p.size() == 1) return websocket_errc::bad_close_frame;
  auto code = static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) << 8 | std::to_integer<unsigned>(p[1]));
  if (!valid_close_code(code)) return websocket_errc::bad_close_frame;
  auto reason = as_chars(p.subspan(2));
  // (8.1) U+0000 is valid UTF-8; only an ill-formed reason fails.
  if (codec::check_utf8(reason) == codec::utf8_status::ill_formed) return websocket_errc::bad_close_frame;
  f.close_code = code;
  f.close_reason = reason;
  return {};
}

}  // namespace

decode_result frame_decoder::next(bytes_view in) noexcept {
  if (in.empty()) return need_more{2};
  const unsigned b0 = std::to_integer<unsigned>(in[0]);
  const bool fin = b0 & 0x80;
  const unsigned op = b0 & 0x0F;
  if (b0 & 0x70) return make_error_code(websocket_errc::reserved_bits);
  switch (op) {
    case 0x0:
      if (!in_message_) return make_error_code(websocket_errc::bad_continuation);
      break;
    case 0x1: return make_error_code(websocket_errc::text_frame);  // [MQTT-6.0.0-1]
    case 0x2:
      if (in_message_) return make_error_code(websocket_errc::bad_continuation);
      break;
    case 0x8: case 0x9: case 0xA:
      if (!fin) return make_error_code(websocket_errc::bad_control_frame);
      break;
    default: return make_error_code(websocket_errc::bad_opcode);
  }
  if (in.size() < 2) return need_more{1};
  const unsigned b1 = std::to_integer<unsigned>(in[1]);
  if (b1 & 0x80) return make_error_code(websocket_errc::masked_server_frame);
  std::uint64_t length = b1 & 0x7F;
  std::size_t header = 2;
  if (is_control(op) && length > max_control_payload) return make_error_code(websocket_errc::bad_control_frame);
  if (length == 126) {
    header = 4;
    if (in.size() < header) return need_more{header - in.size()};
    length = std::to_integer<std::uint64_t>(in[2]) << 8 | std::to_integer<std::uint64_t>(in[3]);
    if (length < 126) return make_error_code(websocket_errc::bad_length);
  } else if (length == 127) {
    // Judge the top byte before the rest of the length arrives.
    if (in.size() > 2 && (std::to_integer<unsigned>(in[2]) & 0x80)) return make_error_code(websocket_errc::bad_length);
    header = 10;
    if (in.size() < header) return need_more{header - in.size()};
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = length << 8 | std::to_integer<std::uint64_t>(in[i]);
    if (length <= 0xFFFF) return make_error_code(websocket_errc::bad_length);
  }
  // Before anything is awaited or reserved: a lying length costs nothing.
  if (length > max_payload_) return make_error_code(websocket_errc::frame_too_large);
  const auto n = static_cast<std::size_t>(length);
  if (in.size() - header < n) return need_more{n - (in.size() - header)};

  frame f;
  f.opcode = static_cast<websocket::opcode>(op);
  f.fin = fin;
  f.payload = in.subspan(header, n);
  f.size = header + n;
  if (f.opcode == opcode::close) {
    if (auto ec = check_close(f)) return ec;
  } else if (!is_control(op)) {
    in_message_ = !fin;
  }
  return f;
}

}  // namespace tern::websocket
