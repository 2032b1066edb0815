#include "codec/parsers.hpp"
#include "codec/wire.hpp"

namespace tern::codec::detail {

// The hot path: no allocation, no copy; the views point into the frame.
result<packet_view> parse_publish(const frame& f) noexcept {
  unsigned q = (f.header >> 1) & 3;
  if (q == 3) return errc::invalid_qos;  // [MQTT-3.3.1-4]
  publish_view p;
  p.qos = static_cast<tern::qos>(q);
  p.dup = f.header & 0b1000;
  p.retain = f.header & 1;
  if (p.dup && q == 0) return errc::dup_on_qos0;  // [MQTT-3.3.1-2]

  wire_reader r(f.body);
  if (auto e = r.string(p.topic); e != errc{}) return e;  // [MQTT-3.3.2-1]
  if (auto e = check_topic_name(p.topic); e != errc{}) return e;
  if (q > 0) {  // [MQTT-2.3.1-5] the id is present only for QoS 1 and 2
    if (!r.u16(p.packet_id)) return errc::length_prefix_overflow;
    if (p.packet_id == 0) return errc::zero_packet_id;  // [MQTT-2.3.1-1]
  }
  p.payload = r.rest();  // (3.3.3) may be empty
  return packet_view{p};
}

}  // namespace tern::codec::detail
