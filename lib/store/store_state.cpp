#include "store/store_state.hpp"

#include <algorithm>

#include "tern/topic.hpp"

namespace tern::detail {

bool store_state::apply(const store_update& u) {
  using kind = store_update::kind;
  if (!fits(u)) return false;
  auto find = [this](message_id mid) -> stored_message* {
    auto it = seq_of_.find(mid);
    return it == seq_of_.end() ? nullptr : &by_seq_.at(it->second);
  };
  switch (u.what) {
    case kind::message_accepted: {
      auto seq = next_seq_++;
      by_seq_.emplace(seq, stored_message{u.mid, message{std::string(u.topic), byte_buffer(u.payload), u.qos, u.retain},
                                          0, false});
      seq_of_.emplace(u.mid, seq);
      ++records_;
      return true;
    }
    case kind::message_sent: {
      auto* m = find(u.mid);
      if (m->packet_id == 0) ++records_;
      packet_ids_.erase(m->packet_id);
      m->packet_id = u.packet_id;
      packet_ids_[u.packet_id] = u.mid;
      return true;
    }
    case kind::pubrec_received: {
      auto* m = find(u.mid);
      if (!m->pubrec_received) ++records_;
      m->pubrec_received = true;
      return true;
    }
    case kind::message_completed: {
      auto it = seq_of_.find(u.mid);
      auto& m = by_seq_.at(it->second);
      records_ -= 1 + (m.packet_id != 0) + m.pubrec_received;
      packet_ids_.erase(m.packet_id);
      by_seq_.erase(it->second);
      seq_of_.erase(it);
      return true;
    }
    case kind::inflight_requeued:
      for (auto& [seq, m] : by_seq_) {
        records_ -= (m.packet_id != 0) + m.pubrec_received;
        m.packet_id = 0;
        m.pubrec_received = false;
      }
      packet_ids_.clear();
      return true;
    case kind::inbound_held:
      inbound_.insert(u.packet_id);
      ++records_;
      return true;
    case kind::inbound_released:
      inbound_.erase(u.packet_id);
      --records_;
      return true;
    case kind::inbound_cleared:
      records_ -= inbound_.size();
      inbound_.clear();
      return true;
  }
  return false;
}

bool store_state::fits(const store_update& u) const {
  using kind = store_update::kind;
  auto it = seq_of_.find(u.mid);
  switch (u.what) {
    case kind::message_accepted:
      return u.mid != 0 && it == seq_of_.end() && !validate_topic_name(u.topic) &&
             (u.qos == qos::at_least_once || u.qos == qos::exactly_once);
    case kind::message_sent: {
      // A packet id names one message at a time [MQTT-2.3.1-2].
      if (it == seq_of_.end() || u.packet_id == 0) return false;
      auto owner = packet_ids_.find(u.packet_id);
      return owner == packet_ids_.end() || owner->second == u.mid;
    }
    case kind::pubrec_received: {
      if (it == seq_of_.end()) return false;
      const auto& m = by_seq_.at(it->second);
      return m.packet_id != 0 && m.msg.qos == qos::exactly_once;
    }
    case kind::message_completed: return it != seq_of_.end();
    case kind::inbound_held: return u.packet_id != 0 && !inbound_.count(u.packet_id);
    case kind::inbound_released: return inbound_.count(u.packet_id) != 0;
    case kind::inflight_requeued:
    case kind::inbound_cleared: return true;
  }
  return false;
}

stored_state store_state::snapshot() const {
  stored_state s;
  s.messages.reserve(by_seq_.size());
  for (const auto& [seq, m] : by_seq_) s.messages.push_back(m);
  s.inbound_qos2.assign(inbound_.begin(), inbound_.end());
  std::sort(s.inbound_qos2.begin(), s.inbound_qos2.end());
  return s;
}

void store_state::clear() noexcept {
  by_seq_.clear();
  seq_of_.clear();
  packet_ids_.clear();
  inbound_.clear();
  records_ = 0;
}

}  // namespace tern::detail
