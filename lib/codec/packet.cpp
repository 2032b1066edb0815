#include <algorithm>

#include "tern/packet.hpp"

namespace tern {
namespace {
bool same_bytes(bytes_view a, bytes_view b) noexcept { return std::ranges::equal(a, b); }
}  // namespace

std::string_view to_string(packet_type t) noexcept {
  static constexpr std::string_view names[] = {
      "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
      "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "RESERVED"};
  auto i = static_cast<unsigned>(t);
  return i < 16 ? names[i] : "RESERVED";
}

bool operator==(const will_view& a, const will_view& b) noexcept {
  return a.topic == b.topic && same_bytes(a.payload, b.payload) && a.qos == b.qos && a.retain == b.retain;
}

bool operator==(const connect_view& a, const connect_view& b) noexcept {
  bool pw = a.password.has_value() == b.password.has_value() &&
            (!a.password || same_bytes(*a.password, *b.password));
  return a.version == b.version && a.clean_session == b.clean_session && a.keep_alive == b.keep_alive &&
         a.client_id == b.client_id && a.will == b.will && a.user_name == b.user_name && pw;
}

bool operator==(const connack_view& a, const connack_view& b) noexcept {
  return a.session_present == b.session_present && a.return_code == b.return_code;
}

bool operator==(const publish_view& a, const publish_view& b) noexcept {
  return a.topic == b.topic && same_bytes(a.payload, b.payload) && a.qos == b.qos && a.retain == b.retain &&
         a.dup == b.dup && a.packet_id == b.packet_id;
}

bool operator==(const subscribe_view& a, const subscribe_view& b) noexcept {
  return a.packet_id == b.packet_id && a.entries == b.entries;
}

bool operator==(const suback_view& a, const suback_view& b) noexcept {
  return a.packet_id == b.packet_id && std::ranges::equal(a.return_codes, b.return_codes);
}

bool operator==(const unsubscribe_view& a, const unsubscribe_view& b) noexcept {
  return a.packet_id == b.packet_id && a.filters == b.filters;
}

}  // namespace tern
