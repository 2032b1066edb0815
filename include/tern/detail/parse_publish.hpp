#pragma once
// The PUBLISH parser, inline: it is the receive hot path, and inlined into the
// caller next to frame_reader::next it costs about a third less than a call.
// Included by tern/codec.hpp; use `tern::codec::parse_publish`.

#include "tern/detail/utf8.hpp"

namespace tern::codec {

inline result<publish_view> parse_publish(const frame& f) noexcept {
  unsigned q = (f.header >> 1) & 3;
  if (q == 3) return errc::invalid_qos;  // [MQTT-3.3.1-4]
  bool dup = f.header & 0b1000;
  if (dup && q == 0) return errc::dup_on_qos0;  // [MQTT-3.3.1-2]

  const std::byte* p = f.body.data();
  std::size_t left = f.body.size();
  // [MQTT-3.3.2-1] the topic name: a length-prefixed UTF-8 string.
  if (left < 2) return errc::length_prefix_overflow;
  std::size_t len = (std::to_integer<std::size_t>(p[0]) << 8) | std::to_integer<std::size_t>(p[1]);
  if (left - 2 < len) return errc::length_prefix_overflow;
  std::string_view topic(reinterpret_cast<const char*>(p + 2), len);
  switch (check_utf8(topic, true)) {
    case utf8_status::ok: break;
    case utf8_status::ill_formed: return errc::utf8_ill_formed;        // [MQTT-1.5.3-1]
    case utf8_status::contains_null: return errc::utf8_contains_null;  // [MQTT-1.5.3-2]
    case utf8_status::contains_wildcard: return errc::wildcard_in_topic_name;  // [MQTT-3.3.2-2]
  }
  if (len == 0) return errc::empty_topic;  // [MQTT-4.7.3-1]
  p += 2 + len;
  left -= 2 + len;
  std::uint16_t id = 0;
  if (q > 0) {  // [MQTT-2.3.1-5] the id is present only for QoS 1 and 2
    if (left < 2) return errc::length_prefix_overflow;
    id = static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
    if (id == 0) return errc::zero_packet_id;  // [MQTT-2.3.1-1]
    p += 2;
    left -= 2;
  }
  // (3.3.3) the payload is the rest, possibly empty. The view is built once,
  // at the end, so it is written with whole-word stores.
  return publish_view{topic, bytes_view(p, left), static_cast<tern::qos>(q), (f.header & 1) != 0, dup, id};
}

}  // namespace tern::codec
