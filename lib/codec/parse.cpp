#include "codec/parsers.hpp"
#include "codec/wire.hpp"

namespace tern::codec {
namespace {

// Fixed-header flags per type [MQTT-2.2.2-1]; PUBLISH is checked by its parser.
constexpr std::uint8_t required_flags(packet_type t) noexcept {
  switch (t) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe: return 0b0010;
    default: return 0;
  }
}

bool flags_ok(std::uint8_t header, packet_type t, protocol_version v) noexcept {
  std::uint8_t flags = header & 0x0F;
  std::uint8_t want = required_flags(t);
  if (flags == want) return true;
  // MQTT 3.1 sets DUP on a re-sent PUBREL, SUBSCRIBE or UNSUBSCRIBE (QoS 1 packets there).
  return v == protocol_version::v3_1 && want != 0 && flags == (want | 0b1000);
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: exactly a non-zero packet id.
template <class Ack>
result<packet_view> parse_ack(const frame& f) noexcept {
  if (f.body.size() != 2) return errc::remaining_length_mismatch;
  std::uint16_t id;
  wire_reader(f.body).u16(id);
  if (id == 0) return errc::zero_packet_id;  // [MQTT-2.3.1-1]
  return packet_view{Ack{id}};
}

template <class Empty>
result<packet_view> parse_empty(const frame& f) noexcept {
  if (!f.body.empty()) return errc::remaining_length_mismatch;
  return packet_view{Empty{}};
}

result<packet_view> parse_connack(const frame& f, protocol_version v) noexcept {
  if (f.body.size() != 2) return errc::remaining_length_mismatch;
  auto flags = std::to_integer<std::uint8_t>(f.body[0]);
  auto code = std::to_integer<std::uint8_t>(f.body[1]);
  connack_view c;
  // MQTT 3.1's first byte is unused ("topic name compression"), so it carries nothing.
  if (v == protocol_version::v3_1_1) {
    if (flags & 0xFE) return errc::connack_reserved_bits;  // 3.2.2.1
    c.session_present = flags & 1;
  }
  if (code > 5) return errc::invalid_connack_code;  // Table 3.1
  c.return_code = code;
  return packet_view{c};
}

}  // namespace

result<packet_view> parse(const frame& f, protocol_version version) noexcept {
  auto type = static_cast<packet_type>(f.header >> 4);
  if (type != packet_type::publish && !flags_ok(f.header, type, version)) return errc::bad_fixed_header_flags;
  switch (type) {
    case packet_type::connect: return detail::parse_connect(f);
    case packet_type::connack: return parse_connack(f, version);
    case packet_type::publish: {
      auto p = parse_publish(f);
      if (!p) return p.error();
      return packet_view{*p};
    }
    case packet_type::puback: return parse_ack<puback>(f);
    case packet_type::pubrec: return parse_ack<pubrec>(f);
    case packet_type::pubrel: return parse_ack<pubrel>(f);
    case packet_type::pubcomp: return parse_ack<pubcomp>(f);
    case packet_type::subscribe: return detail::parse_subscribe(f);
    case packet_type::suback: return detail::parse_suback(f, version);
    case packet_type::unsubscribe: return detail::parse_unsubscribe(f);
    case packet_type::unsuback: return parse_ack<unsuback>(f);
    case packet_type::pingreq: return parse_empty<pingreq>(f);
    case packet_type::pingresp: return parse_empty<pingresp>(f);
    case packet_type::disconnect: return parse_empty<disconnect>(f);
  }
  return errc::reserved_packet_type;
}

}  // namespace tern::codec
