#pragma once
// Updates as a session emits them, for the store tests.

#include <string>
#include <string_view>

#include "tern/session.hpp"

namespace tern::test {

inline store_update accepted(message_id mid, std::string_view topic, std::string_view body,
                             qos q = qos::at_least_once, bool retain = false) {
  return {store_update::kind::message_accepted, mid, 0, topic, as_bytes(body), q, retain};
}
inline store_update update(store_update::kind what, message_id mid = 0, std::uint16_t packet_id = 0) {
  store_update u;
  u.what = what;
  u.mid = mid;
  u.packet_id = packet_id;
  return u;
}
inline store_update sent(message_id mid, std::uint16_t id) { return update(store_update::kind::message_sent, mid, id); }
inline store_update pubrec(message_id mid, std::uint16_t id) {
  return update(store_update::kind::pubrec_received, mid, id);
}
inline store_update completed(message_id mid, std::uint16_t id = 0) {
  return update(store_update::kind::message_completed, mid, id);
}
inline store_update requeued() { return update(store_update::kind::inflight_requeued); }
inline store_update held(std::uint16_t id) { return update(store_update::kind::inbound_held, 0, id); }
inline store_update released(std::uint16_t id) { return update(store_update::kind::inbound_released, 0, id); }
inline store_update cleared() { return update(store_update::kind::inbound_cleared); }

inline std::string text(bytes_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

}  // namespace tern::test
