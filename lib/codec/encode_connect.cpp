#include "codec/encoders.hpp"

namespace tern::codec::detail {
namespace {

std::string_view protocol_name(protocol_version v) noexcept {
  return v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
}

bool too_long(std::size_t n) noexcept { return n > max_string; }

}  // namespace

result<std::size_t> remaining_length(const connect_view& p) noexcept {
  if (p.version != protocol_version::v3_1 && p.version != protocol_version::v3_1_1) return errc::unknown_protocol;
  if (p.password && !p.user_name) return errc::password_without_user_name;  // [MQTT-3.1.2-22]
  // Variable header: protocol name, level, flags, keep alive.
  std::size_t n = prefixed_size(protocol_name(p.version).size()) + 1 + 1 + 2;
  if (too_long(p.client_id.size())) return errc::string_too_long;
  n += prefixed_size(p.client_id.size());  // [MQTT-3.1.3-3] present even when empty
  if (p.will) {
    if (static_cast<unsigned>(p.will->qos) > 2) return errc::invalid_qos_argument;  // [MQTT-3.1.2-14]
    if (too_long(p.will->topic.size()) || too_long(p.will->payload.size())) return errc::string_too_long;
    n += prefixed_size(p.will->topic.size()) + prefixed_size(p.will->payload.size());
  }
  if (p.user_name) {
    if (too_long(p.user_name->size())) return errc::string_too_long;
    n += prefixed_size(p.user_name->size());
  }
  if (p.password) {
    if (too_long(p.password->size())) return errc::string_too_long;
    n += prefixed_size(p.password->size());
  }
  return n;  // at most ~330 KB: always fits the varint
}

std::uint8_t first_byte(const connect_view&) noexcept { return 0x10; }

void write_body(const connect_view& p, wire_writer& w) noexcept {
  w.string(protocol_name(p.version));
  w.u8(static_cast<std::uint8_t>(p.version));
  std::uint8_t flags = 0;  // bit 0 reserved [MQTT-3.1.2-3]
  if (p.clean_session) flags |= 0x02;
  if (p.will) {
    flags |= 0x04 | static_cast<std::uint8_t>(static_cast<unsigned>(p.will->qos) << 3);
    if (p.will->retain) flags |= 0x20;
  }
  if (p.password) flags |= 0x40;   // [MQTT-3.1.2-20], [MQTT-3.1.2-21]
  if (p.user_name) flags |= 0x80;  // [MQTT-3.1.2-18], [MQTT-3.1.2-19]
  w.u8(flags);
  w.u16(p.keep_alive);
  // [MQTT-3.1.3-1] payload order.
  w.string(p.client_id);
  if (p.will) {
    w.string(p.will->topic);
    w.binary(p.will->payload);
  }
  if (p.user_name) w.string(*p.user_name);
  if (p.password) w.binary(*p.password);
}

}  // namespace tern::codec::detail
