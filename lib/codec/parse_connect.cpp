#include "codec/parsers.hpp"
#include "codec/wire.hpp"

namespace tern::codec::detail {

result<packet_view> parse_connect(const frame& f) noexcept {
  wire_reader r(f.body);
  connect_view c;

  std::string_view name;
  std::uint8_t level;
  if (auto e = r.string(name); e != errc{}) return e;
  if (!r.u8(level)) return errc::length_prefix_overflow;
  if (name == "MQTT" && level == 4) c.version = protocol_version::v3_1_1;
  else if (name == "MQIsdp" && level == 3) c.version = protocol_version::v3_1;
  else return errc::unknown_protocol;

  std::uint8_t flags;
  if (!r.u8(flags) || !r.u16(c.keep_alive)) return errc::length_prefix_overflow;
  if (flags & 0x01) return errc::connect_reserved_flag;  // [MQTT-3.1.2-3]
  bool has_will = flags & 0x04;
  unsigned will_qos = (flags >> 3) & 3;
  bool will_retain = flags & 0x20;
  bool has_password = flags & 0x40;
  bool has_user = flags & 0x80;
  if (!has_will && (will_qos != 0 || will_retain)) return errc::inconsistent_will_flags;  // [MQTT-3.1.2-11]
  if (will_qos == 3) return errc::invalid_qos;                                           // [MQTT-3.1.2-14]
  if (has_password && !has_user) return errc::password_without_user_name;               // [MQTT-3.1.2-22]
  c.clean_session = flags & 0x02;

  // [MQTT-3.1.3-1] payload order: client id, will topic, will message, user name, password.
  if (auto e = r.string(c.client_id); e != errc{}) return e;
  if (has_will) {
    will_view w;
    w.qos = static_cast<tern::qos>(will_qos);
    w.retain = will_retain;
    if (auto e = r.topic_name(w.topic); e != errc{}) return e;  // [MQTT-3.1.3-10]
    if (auto e = r.binary(w.payload); e != errc{}) return e;
    c.will = w;
  }
  if (has_user) {
    std::string_view user;
    if (auto e = r.string(user); e != errc{}) return e;  // [MQTT-3.1.3-11]
    c.user_name = user;
  }
  if (has_password) {
    bytes_view pw;
    if (auto e = r.binary(pw); e != errc{}) return e;
    c.password = pw;
  }
  if (r.left() != 0) return errc::remaining_length_mismatch;
  return packet_view{c};
}

}  // namespace tern::codec::detail
