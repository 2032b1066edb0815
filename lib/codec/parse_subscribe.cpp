#include "codec/parsers.hpp"
#include "codec/wire.hpp"

namespace tern::codec::detail {
namespace {

errc read_packet_id(wire_reader& r, std::uint16_t& id) noexcept {
  if (!r.u16(id)) return errc::remaining_length_mismatch;
  return id == 0 ? errc::zero_packet_id : errc{};  // [MQTT-2.3.1-1]
}

// Walks the filter list once to validate it, so `filter_list` can later walk
// it again without checks. `with_qos`: SUBSCRIBE has a requested-QoS byte after each filter.
errc validate_filters(wire_reader& r, bool with_qos, std::size_t& count) noexcept {
  count = 0;
  while (r.left() > 0) {
    std::string_view filter;
    if (auto e = r.string(filter); e != errc{}) return e;  // [MQTT-3.8.3-1], [MQTT-3.10.3-1]
    if (filter.empty()) return errc::empty_topic;      // [MQTT-4.7.3-1]
    if (with_qos) {
      std::uint8_t opts;
      if (!r.u8(opts)) return errc::length_prefix_overflow;
      if ((opts & 0xFC) || opts == 3) return errc::invalid_subscribe_options;  // [MQTT-3.8.3-4]
    }
    ++count;
  }
  // [MQTT-3.8.3-3], [MQTT-3.10.3-2]
  return count == 0 ? errc::no_topic_filters : errc{};
}

}  // namespace

result<packet_view> parse_subscribe(const frame& f) noexcept {
  wire_reader r(f.body);
  subscribe_view s;
  if (auto e = read_packet_id(r, s.packet_id); e != errc{}) return e;
  auto wire = r.rest();
  std::size_t count;
  if (auto e = validate_filters(r, true, count); e != errc{}) return e;
  s.entries = filter_list<subscribe_entry>::from_wire(wire, count);
  return packet_view{s};
}

result<packet_view> parse_unsubscribe(const frame& f) noexcept {
  wire_reader r(f.body);
  unsubscribe_view u;
  if (auto e = read_packet_id(r, u.packet_id); e != errc{}) return e;
  auto wire = r.rest();
  std::size_t count;
  if (auto e = validate_filters(r, false, count); e != errc{}) return e;
  u.filters = filter_list<std::string_view>::from_wire(wire, count);
  return packet_view{u};
}

result<packet_view> parse_suback(const frame& f, protocol_version v) noexcept {
  wire_reader r(f.body);
  suback_view s;
  if (auto e = read_packet_id(r, s.packet_id); e != errc{}) return e;
  auto codes = r.rest();
  // One code per filter of the SUBSCRIBE, which had at least one [MQTT-3.9.3-1].
  if (codes.empty()) return errc::remaining_length_mismatch;
  for (auto b : codes) {
    auto c = std::to_integer<std::uint8_t>(b);
    // [MQTT-3.9.3-2]; MQTT 3.1 has no failure code.
    bool ok = c <= 2 || (c == suback_failure && v == protocol_version::v3_1_1);
    if (!ok) return errc::invalid_suback_code;
  }
  s.return_codes = {reinterpret_cast<const std::uint8_t*>(codes.data()), codes.size()};
  return packet_view{s};
}

}  // namespace tern::codec::detail
