#include "codec/encoders.hpp"

namespace tern::codec::detail {

result<std::size_t> remaining_length(const subscribe_view& p) noexcept {
  if (p.packet_id == 0) return errc::zero_packet_id;       // [MQTT-2.3.1-1]
  if (p.entries.empty()) return errc::no_topic_filters;     // [MQTT-3.8.3-3]
  std::size_t n = 2;
  for (const auto& e : p.entries) {
    if (e.filter.size() > max_string) return errc::string_too_long;
    if (static_cast<unsigned>(e.max_qos) > 2) return errc::invalid_qos_argument;  // [MQTT-3.8.3-4]
    n += prefixed_size(e.filter.size()) + 1;
  }
  return checked_length(n);
}
std::uint8_t first_byte(const subscribe_view&) noexcept { return 0x82; }  // [MQTT-3.8.1-1]
void write_body(const subscribe_view& p, wire_writer& w) noexcept {
  w.u16(p.packet_id);
  for (const auto& e : p.entries) {
    w.string(e.filter);
    w.u8(static_cast<std::uint8_t>(e.max_qos));
  }
}

result<std::size_t> remaining_length(const unsubscribe_view& p) noexcept {
  if (p.packet_id == 0) return errc::zero_packet_id;     // [MQTT-2.3.1-1]
  if (p.filters.empty()) return errc::no_topic_filters;   // [MQTT-3.10.3-2]
  std::size_t n = 2;
  for (auto f : p.filters) {
    if (f.size() > max_string) return errc::string_too_long;
    n += prefixed_size(f.size());
  }
  return checked_length(n);
}
std::uint8_t first_byte(const unsubscribe_view&) noexcept { return 0xA2; }  // [MQTT-3.10.1-1]
void write_body(const unsubscribe_view& p, wire_writer& w) noexcept {
  w.u16(p.packet_id);
  for (auto f : p.filters) w.string(f);
}

result<std::size_t> remaining_length(const suback_view& p) noexcept {
  if (p.packet_id == 0) return errc::zero_packet_id;
  if (p.return_codes.empty()) return errc::invalid_suback_code;
  for (auto c : p.return_codes)
    if (c > 2 && c != suback_failure) return errc::invalid_suback_code;  // [MQTT-3.9.3-2]
  return checked_length(2 + p.return_codes.size());
}
std::uint8_t first_byte(const suback_view&) noexcept { return 0x90; }
void write_body(const suback_view& p, wire_writer& w) noexcept {
  w.u16(p.packet_id);
  w.raw({reinterpret_cast<const std::byte*>(p.return_codes.data()), p.return_codes.size()});
}

}  // namespace tern::codec::detail
