#include <cassert>

#include "codec/encoders.hpp"

namespace tern::codec {
namespace detail {
namespace {

template <class T>
constexpr std::uint8_t type_bits() noexcept {
  return static_cast<std::uint8_t>(type_of(packet_view{T{}})) << 4;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: a fixed header and a packet id.
template <class Ack>
concept id_only = requires(Ack a) { a.packet_id; } && sizeof(Ack) == sizeof(std::uint16_t);

}  // namespace

template <id_only Ack>
result<std::size_t> remaining_length(const Ack& p) noexcept {
  if (p.packet_id == 0) return errc::zero_packet_id;  // [MQTT-2.3.1-1]
  return std::size_t{2};
}
template <id_only Ack>
std::uint8_t first_byte(const Ack&) noexcept {
  return type_bits<Ack>() | (std::is_same_v<Ack, pubrel> ? 0b0010 : 0);  // [MQTT-3.6.1-1]
}
template <id_only Ack>
void write_body(const Ack& p, wire_writer& w) noexcept {
  w.u16(p.packet_id);
}

template <class Empty>
  requires std::is_empty_v<Empty>
result<std::size_t> remaining_length(const Empty&) noexcept {
  return std::size_t{0};
}
template <class Empty>
  requires std::is_empty_v<Empty>
std::uint8_t first_byte(const Empty&) noexcept {
  return type_bits<Empty>();
}
template <class Empty>
  requires std::is_empty_v<Empty>
void write_body(const Empty&, wire_writer&) noexcept {}

result<std::size_t> remaining_length(const connack_view& p) noexcept {
  if (p.return_code > 5) return errc::invalid_connack_code;
  return std::size_t{2};
}
std::uint8_t first_byte(const connack_view&) noexcept { return 0x20; }
void write_body(const connack_view& p, wire_writer& w) noexcept {
  w.u8(p.session_present ? 1 : 0);
  w.u8(p.return_code);
}

namespace {

std::size_t payload_size(const packet_view& p) noexcept {
  const auto* pub = std::get_if<publish_view>(&p);
  return pub ? pub->payload.size() : 0;
}

template <class T>
result<std::size_t> head_size(const T& p) noexcept {
  auto rl = remaining_length(p);
  if (!rl) return rl.error();
  std::size_t payload = 0;
  if constexpr (std::is_same_v<T, publish_view>) payload = p.payload.size();
  return 1 + varint_size(*rl) + *rl - payload;
}

template <class T>
encoded encode_one(const T& p, std::span<std::byte> out) noexcept {
  auto rl = remaining_length(p);
  assert(rl && "encode() needs a packet that passed encoded_head_size()");
  wire_writer w(out.data());
  w.fixed_header(first_byte(p), *rl);
  write_body(p, w);
  auto n = static_cast<std::size_t>(w.pos() - out.data());
  assert(n <= out.size());
  encoded e{out.first(n), {}};
  if constexpr (std::is_same_v<T, publish_view>) e.payload = p.payload;
  return e;
}

}  // namespace
}  // namespace detail

result<std::size_t> encoded_head_size(const packet_view& p) noexcept {
  return std::visit([](const auto& x) { return detail::head_size(x); }, p);
}
result<std::size_t> encoded_head_size(const publish_view& p) noexcept { return detail::head_size(p); }

encoded encode(const packet_view& p, std::span<std::byte> out) noexcept {
  return std::visit([out](const auto& x) { return detail::encode_one(x, out); }, p);
}
encoded encode(const publish_view& p, std::span<std::byte> out) noexcept { return detail::encode_one(p, out); }

std::error_code encode_to(const packet_view& p, std::vector<std::byte>& out) {
  auto size = encoded_head_size(p);
  if (!size) return size.error();
  auto at = out.size();
  out.resize(at + *size + detail::payload_size(p));
  auto e = encode(p, std::span(out).subspan(at, *size));
  if (!e.payload.empty()) std::memcpy(out.data() + at + *size, e.payload.data(), e.payload.size());
  return {};
}

}  // namespace tern::codec
