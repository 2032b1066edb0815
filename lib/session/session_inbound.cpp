#include <algorithm>

#include "session/session_impl.hpp"

namespace tern {

void session::impl::receive(clock::time_point now) {
  while (phase_ != phase::idle) {
    auto r = decoder_.next();
    if (std::holds_alternative<codec::need_more>(r)) return;
    if (auto* ec = std::get_if<std::error_code>(&r)) {
      close(*ec, log_level::err, now);  // [MQTT-4.8.0-1]
      return;
    }
    keep_alive_.on_received(now);
    ++packets_received_;
    on_packet(std::get<packet_view>(r), now);
  }
}

void session::impl::on_packet(const packet_view& p, clock::time_point now) {
  auto type = type_of(p);
  switch (type) {
    case packet_type::connect:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
    case packet_type::pingreq:
    case packet_type::disconnect:  // 2.2.1: these flow from client to server only
      out_.log(log_level::err, "Received %s, which a broker never sends", to_string(type).data());
      close(errc::unexpected_packet, log_level::err, now);
      return;
    default: break;
  }
  if (phase_ == phase::awaiting_connack && type != packet_type::connack) {  // [MQTT-3.2.0-1]
    out_.log(log_level::err, "Received %s before CONNACK", to_string(type).data());
    close(errc::packet_before_connack, log_level::err, now);
    return;
  }
  switch (type) {
    case packet_type::connack:
      if (phase_ == phase::connected)
        close(errc::duplicate_connack, log_level::err, now);
      else
        on_connack(std::get<connack_view>(p), now);
      break;
    case packet_type::publish: on_publish(std::get<publish_view>(p), now); break;
    case packet_type::puback: on_puback(std::get<puback>(p).packet_id, now); break;
    case packet_type::pubrec: on_pubrec(std::get<pubrec>(p).packet_id, now); break;
    case packet_type::pubrel: {
      auto id = std::get<pubrel>(p).packet_id;
      out_.log(log_level::debug, "Received PUBREL (Mid: %u)", static_cast<unsigned>(id));
      if (inbound_.erase(id))
        record(store_update::kind::inbound_released, 0, id);
      else  // e.g. the broker finishing a flow from before a reconnect
        out_.log(log_level::debug, "Received PUBREL for unknown packet id %u", static_cast<unsigned>(id));
      out_.log(log_level::debug, "Sending PUBCOMP (Mid: %u)", static_cast<unsigned>(id));
      send(packet_view{pubcomp{id}}, now);  // [MQTT-4.3.3-2]
      break;
    }
    case packet_type::pubcomp: on_pubcomp(std::get<pubcomp>(p).packet_id, now); break;
    case packet_type::suback: on_suback(std::get<suback_view>(p), now); break;
    case packet_type::unsuback: on_unsuback(std::get<unsuback>(p).packet_id, now); break;
    case packet_type::pingresp:
      out_.log(log_level::debug, "Received PINGRESP");
      keep_alive_.on_pingresp();
      break;
    default: break;
  }
}

void session::impl::on_publish(const publish_view& p, clock::time_point now) {
  // Two spaces before the size, as paho writes it: a migrated app's log filters keep matching.
  out_.log(log_level::debug, "Received PUBLISH (d%d, q%d, r%d, m%u), '%.*s', ...  (%zu bytes)", p.dup ? 1 : 0,
           static_cast<int>(p.qos), p.retain ? 1 : 0, static_cast<unsigned>(p.packet_id),
           static_cast<int>(p.topic.size()), p.topic.data(), p.payload.size());
  bool deliver = p.qos != qos::exactly_once || inbound_.insert(p.packet_id);
  if (deliver) out_.emit(message_received{p.topic, p.payload, p.qos, p.retain, p.dup, p.packet_id});
  // Held once delivered, and durable before PUBREC: a copy re-sent after a
  // crash is then acknowledged and not delivered again.
  if (deliver && p.qos == qos::exactly_once) record(store_update::kind::inbound_held, 0, p.packet_id);
  // [MQTT-3.3.4-1], [MQTT-4.6.0-2], [MQTT-4.6.0-3]: acknowledge in arrival order.
  if (p.qos == qos::at_least_once) {
    out_.log(log_level::debug, "Sending PUBACK (Mid: %u)", static_cast<unsigned>(p.packet_id));
    send(packet_view{puback{p.packet_id}}, now);
  } else if (p.qos == qos::exactly_once) {
    out_.log(log_level::debug, "Sending PUBREC (Mid: %u)", static_cast<unsigned>(p.packet_id));
    send(packet_view{pubrec{p.packet_id}}, now);
  }
}

void session::impl::on_puback(std::uint16_t id, clock::time_point now) {
  finish_outbound(id, detail::outbound_state::awaiting_puback, "PUBACK", now);  // [MQTT-4.3.2-1]
}

void session::impl::on_pubrec(std::uint16_t id, clock::time_point now) {
  out_.log(log_level::debug, "Received PUBREC (Mid: %u)", static_cast<unsigned>(id));
  auto* e = store_.find(id);
  if (!e || e->state == detail::outbound_state::awaiting_puback) {
    out_.log(log_level::warning, "Received PUBREC for unknown packet id %u (ignored)", static_cast<unsigned>(id));
    return;
  }
  // A repeated PUBREC (state awaiting_pubcomp) is answered again.
  if (e->state != detail::outbound_state::awaiting_pubcomp) {
    // Durable before PUBREL: once the broker has PUBREL it may forget the
    // id, and a PUBLISH re-sent after a crash would be a new message.
    e->state = detail::outbound_state::awaiting_pubcomp;
    record(store_update::kind::pubrec_received, e->mid, id);
  }
  out_.log(log_level::debug, "Sending PUBREL (Mid: %u)", static_cast<unsigned>(id));
  send(packet_view{pubrel{id}}, now);  // [MQTT-4.3.3-1], [MQTT-4.6.0-4]
}

void session::impl::on_pubcomp(std::uint16_t id, clock::time_point now) {
  finish_outbound(id, detail::outbound_state::awaiting_pubcomp, "PUBCOMP", now);  // [MQTT-4.3.3-1]
}

// The last acknowledgement of a QoS 1 or 2 flow: the id frees [MQTT-2.3.1-3]
// and the window moves on.
void session::impl::finish_outbound(std::uint16_t id, detail::outbound_state expected, const char* packet,
                                    clock::time_point now) {
  out_.log(log_level::debug, "Received %s (Mid: %u)", packet, static_cast<unsigned>(id));
  auto* e = store_.find(id);
  if (!e || e->state != expected) {
    out_.log(log_level::warning, "Received %s for unknown packet id %u (ignored)", packet, static_cast<unsigned>(id));
    return;
  }
  auto mid = e->mid;
  auto q = e->msg.qos;
  store_.complete(*e);
  ids_.release(id);
  record(store_update::kind::message_completed, mid, id);
  out_.emit(publish_completed{mid, q});
  pump(now);
}

void session::impl::on_suback(const suback_view& s, clock::time_point now) {
  out_.log(log_level::debug, "Received SUBACK");
  auto it = std::find_if(requests_.begin(), requests_.end(),
                         [&](const pending_request& r) { return r.subscribe && r.packet_id == s.packet_id; });
  if (it == requests_.end()) {  // [MQTT-2.3.1-7]
    out_.log(log_level::warning, "Received SUBACK for unknown packet id %u (ignored)",
             static_cast<unsigned>(s.packet_id));
    return;
  }
  if (s.return_codes.size() != it->filters) {  // [MQTT-3.9.3-1]
    out_.log(log_level::err, "SUBACK has %zu return codes for %zu topic filters", s.return_codes.size(),
             it->filters);
    close(errc::protocol_violation, log_level::err, now);
    return;
  }
  auto mid = it->mid;
  ids_.release(s.packet_id);
  requests_.erase(it);
  out_.emit(subscribed{mid, s.return_codes, {}});
}

void session::impl::on_unsuback(std::uint16_t id, clock::time_point) {
  out_.log(log_level::debug, "Received UNSUBACK (Mid: %u)", static_cast<unsigned>(id));
  auto it = std::find_if(requests_.begin(), requests_.end(),
                         [&](const pending_request& r) { return !r.subscribe && r.packet_id == id; });
  if (it == requests_.end()) {
    out_.log(log_level::warning, "Received UNSUBACK for unknown packet id %u (ignored)", static_cast<unsigned>(id));
    return;
  }
  auto mid = it->mid;
  ids_.release(id);
  requests_.erase(it);
  out_.emit(unsubscribed{mid, {}});
}

}  // namespace tern
