#include "transport/websocket/client_protocol.hpp"

#include <algorithm>

namespace tern::websocket {

client_protocol::client_protocol(random_source random, client_limits limits)
    : random_(std::move(random)),
      parser_(std::string_view("AAAAAAAAAAAAAAAAAAAAAA=="), limits.max_response_header),
      decoder_(limits.max_frame_payload) {}

mask_key client_protocol::next_key() {
  mask_key k;
  random_(k);
  return k;
}

void client_protocol::reset() noexcept {
  state_ = state::idle;
  in_.clear();
  decoder_.reset();
  peer_code_.reset();
  peer_reason_size_ = 0;
}

std::error_code client_protocol::start(const upgrade_target& target, std::vector<std::byte>& to_send) {
  if (state_ != state::idle) return errc::invalid_argument;
  std::array<std::byte, 16> nonce;
  random_(nonce);
  auto key = make_key(nonce);
  std::string request;
  if (auto ec = build_upgrade_request(target, key, request)) return ec;
  parser_.reset(key);
  auto bytes = as_bytes(request);
  to_send.insert(to_send.end(), bytes.begin(), bytes.end());
  state_ = state::handshaking;
  return {};
}

std::error_code client_protocol::on_bytes(bytes_view in, std::vector<std::byte>& mqtt_in,
                                          std::vector<std::byte>& to_send) {
  switch (state_) {
    case state::idle: return errc::not_connected;
    case state::closed: return websocket_errc::closed;
    case state::handshaking: {
      auto r = parser_.feed(in);
      if (std::holds_alternative<need_more>(r)) return {};
      if (auto* ec = std::get_if<std::error_code>(&r)) {
        state_ = state::closed;  // no WebSocket connection to close: the transport drops TCP
        return *ec;
      }
      in = in.subspan(std::get<handshake_complete>(r).consumed);
      state_ = state::open;
      if (in.empty()) return {};
      break;
    }
    case state::open:
    case state::closing: break;
  }
  return on_frames(in, mqtt_in, to_send);
}

std::error_code client_protocol::on_frames(bytes_view in, std::vector<std::byte>& mqtt_in,
                                           std::vector<std::byte>& to_send) {
  // Decode straight from `in` unless a frame is pending from an earlier read.
  const bool buffered = !in_.empty();
  if (buffered) in_.insert(in_.end(), in.begin(), in.end());
  bytes_view data = buffered ? bytes_view(in_) : in;
  std::size_t used = 0;
  std::error_code ec;
  while (!ec) {
    auto r = decoder_.next(data.subspan(used));
    if (auto* f = std::get_if<frame>(&r)) {
      used += f->size;
      ec = on_frame(*f, mqtt_in, to_send);
    } else if (auto* e = std::get_if<std::error_code>(&r)) {
      ec = fail(*e, to_send);
    } else {
      break;
    }
  }
  if (ec) {
    in_.clear();
    return ec;
  }
  if (buffered) in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(used));
  else in_.assign(data.begin() + static_cast<std::ptrdiff_t>(used), data.end());
  return {};
}

std::error_code client_protocol::on_frame(const frame& f, std::vector<std::byte>& mqtt_in,
                                          std::vector<std::byte>& to_send) {
  switch (f.opcode) {
    case opcode::binary:
    case opcode::continuation: mqtt_in.insert(mqtt_in.end(), f.payload.begin(), f.payload.end()); return {};
    case opcode::ping:
      // (5.5.2) Answer with the same payload, unless our close frame is already out (5.5.1).
      if (state_ == state::open) return append_pong(f.payload, next_key(), to_send);
      return {};
    case opcode::pong: return {};  // unsolicited pongs are allowed (5.5.3)
    case opcode::close:
      peer_code_ = f.close_code;
      peer_reason_size_ = f.close_reason.size();
      std::copy(f.close_reason.begin(), f.close_reason.end(), peer_reason_.begin());
      // (5.5.1) Echo the status code, unless this close answers ours.
      if (state_ == state::open) append_close(f.close_code.value_or(0), {}, next_key(), to_send);
      state_ = state::closed;
      return websocket_errc::closed;
    case opcode::text: break;  // rejected by the decoder
  }
  return websocket_errc::bad_opcode;
}

std::error_code client_protocol::fail(std::error_code ec, std::vector<std::byte>& to_send) {
  if (state_ == state::open) {
    std::uint16_t code = ec == websocket_errc::frame_too_large ? close_code::message_too_big
                         : ec == websocket_errc::text_frame    ? close_code::unsupported_data
                                                               : close_code::protocol_error;
    append_close(code, {}, next_key(), to_send);
  }
  state_ = state::closed;
  return ec;
}

std::error_code client_protocol::send(std::span<const bytes_view> parts, std::vector<std::byte>& to_send) {
  if (state_ == state::idle || state_ == state::handshaking) return errc::not_connected;
  if (state_ != state::open) return websocket_errc::closed;
  append_binary(parts, next_key(), to_send);
  return {};
}

std::error_code client_protocol::ping(bytes_view payload, std::vector<std::byte>& to_send) {
  if (state_ == state::idle || state_ == state::handshaking) return errc::not_connected;
  if (state_ != state::open) return websocket_errc::closed;
  return append_ping(payload, next_key(), to_send);
}

std::error_code client_protocol::close(std::uint16_t code, std::string_view reason, std::vector<std::byte>& to_send) {
  if (state_ == state::idle || state_ == state::handshaking) return errc::not_connected;
  if (state_ != state::open) return websocket_errc::closed;
  if (auto ec = append_close(code, reason, next_key(), to_send)) return ec;
  state_ = state::closing;
  return {};
}

}  // namespace tern::websocket
