#include "session/session_impl.hpp"
#include "tern/topic.hpp"

namespace tern {

message_id session::impl::next_mid(message_id wanted) noexcept { return wanted != 0 ? wanted : mids_.next(); }

void session::impl::send(const packet_view& p, clock::time_point now) {
  out_.send(p);
  keep_alive_.on_sent(now);  // [MQTT-3.1.2-23] every packet sent resets the keep-alive
}

void session::impl::send(const publish_view& p, clock::time_point now) {
  if (p.payload.empty())
    out_.log(log_level::debug, "Sending PUBLISH (d%d, q%d, r%d, m%u), '%.*s' (NULL payload)", p.dup ? 1 : 0,
             static_cast<int>(p.qos), p.retain ? 1 : 0, static_cast<unsigned>(p.packet_id),
             static_cast<int>(p.topic.size()), p.topic.data());
  else
    out_.log(log_level::debug, "Sending PUBLISH (d%d, q%d, r%d, m%u), '%.*s', ... (%zu bytes)", p.dup ? 1 : 0,
             static_cast<int>(p.qos), p.retain ? 1 : 0, static_cast<unsigned>(p.packet_id),
             static_cast<int>(p.topic.size()), p.topic.data(), p.payload.size());
  out_.send(p);
  keep_alive_.on_sent(now);
}

namespace {
publish_view view_of(const detail::outbound_entry& e, bool dup) noexcept {
  return {e.msg.topic, e.msg.payload, e.msg.qos, e.msg.retain, dup, e.packet_id};
}
}  // namespace

result<message_id> session::impl::publish(message&& msg, clock::time_point now, message_id wanted) {
  if (auto ec = validate_topic_name(msg.topic)) return ec;  // [MQTT-4.7.1-1], [MQTT-4.7.3-1]
  if (static_cast<unsigned>(msg.qos) > 2) return errc::invalid_qos_argument;  // [MQTT-3.3.1-4]
  publish_view probe{msg.topic, msg.payload, msg.qos, msg.retain, false, 1};
  if (auto n = codec::encoded_head_size(probe); !n)
    return n.error() == errc::packet_too_large ? make_error_code(errc::payload_too_large) : std::error_code(n.error());

  bool online = phase_ == phase::connected;
  if (!online && msg.qos == qos::at_most_once && opts_.drop_qos0_offline) return errc::not_connected;
  bool waits = !online || !store_.queue().empty() ||
               (msg.qos != qos::at_most_once &&
                (store_.inflight().size() >= opts_.max_inflight || ids_.exhausted()));
  if (waits && opts_.max_queued != 0 && store_.queued() >= opts_.max_queued) {
    out_.log(log_level::warning, "Publish refused: %zu messages queued", store_.queued());
    return errc::queue_full;
  }
  auto mid = next_mid(wanted);
  auto& e = store_.queue().push_back({std::move(msg), mid, 0, detail::outbound_state::queued});
  if (e.msg.qos != qos::at_most_once && opts_.report_store_updates)
    out_.emit_with_topic(store_update{store_update::kind::message_accepted, mid, 0, {}, e.msg.payload, e.msg.qos,
                                      e.msg.retain},
                         e.msg.topic);
  pump(now);
  return mid;
}

void session::impl::pump(clock::time_point now) {
  auto& q = store_.queue();
  while (phase_ == phase::connected && !q.empty()) {
    auto& front = q.front();
    if (front.msg.qos == qos::at_most_once) {  // [MQTT-4.3.1-1]
      send(view_of(front, false), now);
      auto mid = front.mid;
      sent_qos0_.push_back(std::move(front.msg));  // its payload must outlive this call's send_bytes
      q.pop_front();
      out_.emit(publish_completed{mid, qos::at_most_once});
      continue;
    }
    if (store_.inflight().size() >= opts_.max_inflight) return;
    auto id = ids_.acquire();  // [MQTT-2.3.1-2]
    if (id == 0) return;       // every id in use: wait for one to free
    auto state = front.msg.qos == qos::at_least_once ? detail::outbound_state::awaiting_puback
                                                     : detail::outbound_state::awaiting_pubrec;
    auto& e = store_.start_front(id, state);
    record(store_update::kind::message_sent, e.mid, id);
    send(view_of(e, false), now);  // [MQTT-4.3.2-1], [MQTT-4.3.3-1]: DUP 0 on first send
  }
}

void session::impl::resume(bool session_present, clock::time_point now) {
  auto& inflight = store_.inflight();
  if (session_present) {
    // [MQTT-4.4.0-1], [MQTT-4.6.0-1]: the same ids, in the original order, before anything new.
    for (const auto& e : inflight) {
      if (e.state == detail::outbound_state::awaiting_pubcomp)
        send(packet_view{pubrel{e.packet_id}}, now);
      else
        send(view_of(e, true), now);  // [MQTT-3.3.1-1]
    }
  } else {
    // The broker has no state for us: messages not known complete go out again as
    // new publishes (new ids, DUP 0). A QoS 2 message may then arrive twice.
    if (!inflight.empty())
      out_.log(log_level::info, "No session on the broker: %zu unacknowledged messages are sent again",
               inflight.size());
    if (!inflight.empty()) record(store_update::kind::inflight_requeued, 0);
    store_.requeue_inflight([this](std::uint16_t id) { ids_.release(id); });
    if (inbound_.size() != 0) record(store_update::kind::inbound_cleared, 0);
    inbound_.clear();
  }
  pump(now);
}

result<message_id> session::impl::subscribe(std::span<const subscribe_entry> filters, clock::time_point now,
                                            message_id mid) {
  if (phase_ != phase::connected) return errc::not_connected;
  if (filters.empty()) return errc::no_topic_filters;  // [MQTT-3.8.3-3]
  for (const auto& f : filters) {
    if (auto ec = validate_topic_filter(f.filter)) return ec;  // (4.7)
    if (static_cast<unsigned>(f.max_qos) > 2) return errc::invalid_qos_argument;  // [MQTT-3.8.3-4]
  }
  return request(packet_view{subscribe_view{1, filters}}, filters.size(), now, mid);
}

result<message_id> session::impl::unsubscribe(std::span<const std::string_view> filters, clock::time_point now,
                                              message_id mid) {
  if (phase_ != phase::connected) return errc::not_connected;
  if (filters.empty()) return errc::no_topic_filters;  // [MQTT-3.10.3-2]
  for (auto f : filters)
    if (auto ec = validate_topic_filter(f)) return ec;
  return request(packet_view{unsubscribe_view{1, filters}}, filters.size(), now, mid);
}

// paho's lines, with Python's reprs of its byte strings:
// "Sending SUBSCRIBE (d0, m1) [(b'a/#', 0)]", "Sending UNSUBSCRIBE (d0, m2) [b'a/#']".
void session::impl::log_request(const packet_view& p) {
  std::string list;
  auto add = [&list](std::string_view filter, int qos) {
    list += list.empty() ? "[" : ", ";
    if (qos >= 0) list += '(';
    list.append("b'").append(filter).append("'");
    if (qos >= 0) list.append(", ").append(std::to_string(qos)).append(")");
  };
  if (const auto* sub = std::get_if<subscribe_view>(&p)) {
    for (const auto& e : sub->entries) add(e.filter, static_cast<int>(e.max_qos));
    out_.log(log_level::debug, "Sending SUBSCRIBE (d0, m%u) %s]", static_cast<unsigned>(sub->packet_id), list.c_str());
  } else if (const auto* un = std::get_if<unsubscribe_view>(&p)) {
    for (auto f : un->filters) add(f, -1);
    out_.log(log_level::debug, "Sending UNSUBSCRIBE (d0, m%u) %s]", static_cast<unsigned>(un->packet_id),
             list.c_str());
  }
}

result<message_id> session::impl::request(packet_view p, std::size_t filters, clock::time_point now,
                                          message_id wanted) {
  if (auto n = codec::encoded_head_size(p); !n) return n.error();
  auto id = ids_.acquire();  // [MQTT-2.3.1-2]
  if (id == 0) return errc::packet_id_exhausted;
  bool is_subscribe = std::holds_alternative<subscribe_view>(p);
  if (is_subscribe)
    std::get<subscribe_view>(p).packet_id = id;
  else
    std::get<unsubscribe_view>(p).packet_id = id;
  auto mid = next_mid(wanted);
  requests_.push_back({id, mid, is_subscribe, filters});
  if (out_.logs(log_level::debug)) log_request(p);
  send(p, now);
  return mid;
}

}  // namespace tern
