#include "codec/encoders.hpp"

namespace tern::codec::detail {

result<std::size_t> remaining_length(const publish_view& p) noexcept {
  auto q = static_cast<unsigned>(p.qos);
  if (q > 2) return errc::invalid_qos_argument;  // [MQTT-3.3.1-4]
  if (p.topic.size() > max_string) return errc::string_too_long;  // [MQTT-4.7.3-3]
  if (q > 0 && p.packet_id == 0) return errc::zero_packet_id;    // [MQTT-2.3.1-1]
  if (q == 0 && p.dup) return errc::dup_on_qos0;                 // [MQTT-3.3.1-2]
  return checked_length(prefixed_size(p.topic.size()) + (q > 0 ? 2 : 0) + p.payload.size());
}

std::uint8_t first_byte(const publish_view& p) noexcept {
  return static_cast<std::uint8_t>(0x30 | (p.dup ? 0b1000 : 0) | (static_cast<unsigned>(p.qos) << 1) |
                                   (p.retain ? 1 : 0));
}

void write_body(const publish_view& p, wire_writer& w) noexcept {
  w.string(p.topic);
  if (p.qos != qos::at_most_once) w.u16(p.packet_id);  // [MQTT-2.3.1-5]
  // The payload is not written: it goes out by gather I/O from the caller's buffer.
}

}  // namespace tern::codec::detail
