#pragma once
// What the facade and bridge tests share: a scripted broker on the
// in-process fake broker (tests/client/fake_broker.hpp), the config that
// points a facade at it, and a thread-safe record of what handlers saw.

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_broker.hpp"
#include "tern/web/config.hpp"

namespace tern::web::test {

using tern::test::fake_broker;
using bytes = fake_broker::bytes;

inline void append(bytes& out, const bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
inline bytes publish_wire(std::string_view topic, std::string_view payload) {
  return fake_broker::wire(publish_view{topic, as_bytes(payload), qos::at_most_once, false, false, 0});
}

// A cooperative broker that records what it gets, and can be told what to send.
struct scripted {
  std::mutex m;
  int connects = 0;
  std::vector<std::pair<int, std::string>> subscribed;  // (connection number, filter)
  std::vector<std::string> unsubscribed;
  std::vector<std::string> client_ids;
  std::vector<std::string> published;  // topics the client published
  std::vector<std::string> on_connack;  // topics to publish to the client after CONNACK (payload "v")
  std::vector<std::string> on_suback;   // after each SUBACK
  bool drop_first_connection_after_suback = false;
  bool echo = false;  // send each PUBLISH back, as a broker does to a subscribed publisher
  int pingreqs = 0;
  int disconnects = 0;

  fake_broker::reply_fn fn() {
    return [this](const packet_view& p) -> bytes {
      std::lock_guard lock(m);
      bytes out;
      if (auto* c = std::get_if<connect_view>(&p)) {
        ++connects;
        client_ids.emplace_back(c->client_id);
        out = fake_broker::wire(connack_view{false, 0});
        for (const auto& t : on_connack) append(out, publish_wire(t, "v"));
      } else if (auto* s = std::get_if<subscribe_view>(&p)) {
        std::vector<std::uint8_t> granted;
        for (auto e : s->entries) {
          subscribed.emplace_back(connects, std::string(e.filter));
          granted.push_back(static_cast<std::uint8_t>(e.max_qos));
        }
        out = fake_broker::wire(suback_view{s->packet_id, granted});
        for (const auto& t : on_suback) append(out, publish_wire(t, "v"));
        if (drop_first_connection_after_suback && connects == 1) {
          out.push_back(std::byte{0x00});  // packet type 0: the client drops the connection
          out.push_back(std::byte{0x00});
        }
      } else if (auto* u = std::get_if<unsubscribe_view>(&p)) {
        for (auto f : u->filters) unsubscribed.emplace_back(f);
        out = fake_broker::wire(unsuback{u->packet_id});
      } else if (auto* pub = std::get_if<publish_view>(&p)) {
        published.emplace_back(pub->topic);
        if (pub->qos == qos::at_least_once) out = fake_broker::wire(puback{pub->packet_id});
        if (echo)
          append(out, publish_wire(pub->topic, {reinterpret_cast<const char*>(pub->payload.data()), pub->payload.size()}));
      } else if (std::holds_alternative<pingreq>(p)) {
        ++pingreqs;
        out = fake_broker::wire(pingresp{});
      } else if (std::holds_alternative<disconnect>(p)) {
        ++disconnects;
      }
      return out;
    };
  }
  std::vector<std::pair<int, std::string>> subs() {
    std::lock_guard lock(m);
    return subscribed;
  }
};

inline config_map config_for(const fake_broker& b, std::string_view prefix = "MQTT") {
  config_map m;
  std::string p(prefix);
  m.set(p + "_BROKER_URL", "127.0.0.1");
  m.set(p + "_BROKER_PORT", b.port());
  m.set(p + "_RECONNECT_DELAY_MIN", 0.02);
  m.set(p + "_RECONNECT_DELAY_MAX", 0.05);
  m.set(p + "_CONNECTION_TIMEOUT", 5);
  return m;
}

// Collects what handlers see, thread-safely. Declare it before the mqtt whose
// handlers use it: they may run until that mqtt is destroyed.
struct recorder {
  std::mutex m;
  std::vector<std::string> events;
  void add(std::string e) {
    std::lock_guard lock(m);
    events.push_back(std::move(e));
  }
  std::vector<std::string> get() {
    std::lock_guard lock(m);
    return events;
  }
  bool has(const std::string& e) {
    std::lock_guard lock(m);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
  std::size_t count_prefix(const std::string& p) {
    std::lock_guard lock(m);
    return std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.rfind(p, 0) == 0; });
  }
};

}  // namespace tern::web::test
