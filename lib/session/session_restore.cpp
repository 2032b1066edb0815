// Rebuilding a session from what a message store kept (session::restore).

#include <algorithm>
#include <unordered_set>

#include "session/session_impl.hpp"
#include "tern/topic.hpp"

namespace tern {

namespace {

// Whatever a store gives back went through a file: check it as input.
bool valid(const stored_state& state) {
  std::unordered_set<message_id> mids;
  std::unordered_set<std::uint16_t> packet_ids;
  for (const auto& m : state.messages) {
    if (m.mid == 0 || !mids.insert(m.mid).second) return false;
    if (m.msg.qos != qos::at_least_once && m.msg.qos != qos::exactly_once) return false;
    if (validate_topic_name(m.msg.topic)) return false;
    if (m.packet_id != 0 && !packet_ids.insert(m.packet_id).second) return false;
    if (m.pubrec_received && (m.packet_id == 0 || m.msg.qos != qos::exactly_once)) return false;
    publish_view probe{m.msg.topic, m.msg.payload, m.msg.qos, m.msg.retain, false, 1};
    if (!codec::encoded_head_size(probe)) return false;
  }
  std::unordered_set<std::uint16_t> inbound;
  for (auto id : state.inbound_qos2)
    if (id == 0 || !inbound.insert(id).second) return false;
  return true;
}

}  // namespace

std::error_code session::impl::restore(const stored_state& state) {
  if (phase_ != phase::idle) return errc::already_connected;
  if (!store_.inflight().empty() || store_.queued() != 0 || inbound_.size() != 0) return errc::invalid_argument;
  if (!valid(state)) return errc::store_invalid;
  message_id last = 0;
  // Sent messages first, in the order they were accepted (which is the order
  // they were sent [MQTT-4.6.0-1]); then the queue.
  for (bool sent : {true, false}) {
    for (const auto& m : state.messages) {
      if ((m.packet_id != 0) != sent) continue;
      last = std::max(last, m.mid);
      if (!sent) {
        store_.queue().push_back({m.msg, m.mid, 0, detail::outbound_state::queued});
        continue;
      }
      ids_.reserve(m.packet_id);
      auto stage = m.msg.qos == qos::at_least_once ? detail::outbound_state::awaiting_puback
                   : m.pubrec_received             ? detail::outbound_state::awaiting_pubcomp
                                                   : detail::outbound_state::awaiting_pubrec;
      store_.inflight().push_back({m.msg, m.mid, m.packet_id, stage});
    }
  }
  for (auto id : state.inbound_qos2) inbound_.insert(id);
  if (last != 0) mids_.continue_after(last);
  return {};
}

}  // namespace tern
