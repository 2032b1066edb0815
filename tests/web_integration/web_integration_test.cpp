// tern::web::mqtt (the Flask-MQTT facade) against a real, private mosquitto
// (issue 6, Tests, second bullet): subscriptions survive a broker restart,
// three workers share a `$share` group without losing or duplicating a
// message, the reference's usage example works as written, and a handler
// that blocks for longer than the keep-alive does not cost the connection.
// The unit tests (tests/web) use a fake broker; these check the same promises
// against mosquitto's real behaviour (clean sessions, $share, keep-alive).

#include <gtest/gtest.h>

#include <any>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "harness.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::test {
namespace {

using web::config_map;
using web::message;
using web::mqtt;

/// What the facade's handlers reported, with timed waits over it (handlers
/// run on the facade's handler thread, the test waits on its own).
struct events {
  std::mutex m;
  std::condition_variable cv;
  std::vector<message> messages;  ///< on_message
  std::vector<message> topic_messages;  ///< on_topic
  int connects = 0;
  std::vector<int> disconnects;  ///< rc of each on_disconnect
  std::vector<message_id> subacks;
  std::vector<message_id> published;

  /// Registers every handler except on_topic on `q`.
  void attach(mqtt& q) {
    q.on_connect([this](mqtt&, const std::any&, web::connect_flags, int) { note([&] { ++connects; }); });
    q.on_disconnect([this](mqtt&, const std::any&, int rc) { note([&] { disconnects.push_back(rc); }); });
    q.on_message([this](mqtt&, const std::any&, const message& msg) { note([&] { messages.push_back(msg); }); });
    q.on_subscribe([this](mqtt&, const std::any&, message_id mid, const std::vector<int>&) {
      note([&] { subacks.push_back(mid); });
    });
    q.on_publish([this](mqtt&, const std::any&, message_id mid) { note([&] { published.push_back(mid); }); });
  }
  void note(const std::function<void()>& f) {
    std::lock_guard l(m);
    f();
    cv.notify_all();
  }
  /// Waits (never forever) until `pred` holds under the lock.
  bool wait(std::chrono::milliseconds timeout, const std::function<bool()>& pred) {
    std::unique_lock l(m);
    return cv.wait_for(l, timeout, pred);
  }
};

/// The keys every test starts from: the private broker, short timeouts and a
/// quick reconnect (the delays are in seconds, fractions allowed: docs/web.md).
config_map base_config(const broker& b, const std::string& client_id) {
  config_map c;
  c.set("MQTT_BROKER_URL", "127.0.0.1");
  c.set("MQTT_BROKER_PORT", static_cast<int>(b.port()));
  c.set("MQTT_CLIENT_ID", client_id);
  c.set("MQTT_CONNECTION_TIMEOUT", 5);
  c.set("MQTT_RECONNECT_DELAY_MIN", 0.1);
  c.set("MQTT_RECONNECT_DELAY_MAX", 0.5);
  return c;
}

// The broker forgets everything on restart (persistence off, clean session),
// so only the facade's own re-subscription after the reconnect can bring the
// messages back.
TEST(WebIntegration, SubscriptionSurvivesBrokerRestart) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  events ev;
  mqtt q;
  ev.attach(q);
  q.init_app(base_config(b, "web-restart"));
  ASSERT_TRUE(q.status().connected) << q.last_error().message();
  EXPECT_EQ(q.subscribe("restart/#", 1).result, web::MQTT_ERR_SUCCESS);
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == 1; }));

  ASSERT_TRUE(b.restart());
  // The second SUBACK is the re-subscription on the new connection.
  ASSERT_TRUE(ev.wait(10s, [&] { return ev.connects >= 2 && ev.subacks.size() >= 2; }))
      << "connects " << ev.connects << ", subacks " << ev.subacks.size() << "\n" << b.log();
  EXPECT_GE(q.status().reconnects, 1u);
  EXPECT_EQ(q.topics().count("restart/#"), 1u);

  test_client pub(make_options(b.url(), "web-restart-pub"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish("restart/x", "after restart", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return !ev.messages.empty(); })) << b.log();
  std::lock_guard l(ev.m);
  EXPECT_EQ(ev.messages[0].topic, "restart/x");
  EXPECT_EQ(ev.messages[0].payload, "after restart");
  EXPECT_EQ(ev.messages[0].qos, 1);
}

// Three facades stand in for three worker processes (one broker connection
// each, as separate processes would have). mosquitto hands each message of a
// shared subscription to exactly one member of the group.
TEST(WebIntegration, ThreeWorkersShareGroupExactlyOnce) {
  constexpr int total = 3000;
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());

  struct worker {
    events ev;
    std::mutex m;
    std::vector<int> seqs;  ///< the sequence numbers this worker handled
    int bad = 0;
    std::unique_ptr<mqtt> q;
  };
  std::vector<std::unique_ptr<worker>> workers;
  std::atomic<int> handled{0};
  for (int i = 0; i < 3; ++i) {
    auto w = std::make_unique<worker>();
    w->q = std::make_unique<mqtt>();
    w->ev.attach(*w->q);
    // on_topic so that the counting stays cheap (no copies into ev.messages).
    w->q->on_topic("jobs/#", [wp = w.get(), &handled](mqtt&, const std::any&, const message& msg) {
      int seq = -1;
      auto [end, ec] = std::from_chars(msg.payload.data(), msg.payload.data() + msg.payload.size(), seq);
      std::lock_guard l(wp->m);
      if (ec != std::errc{} || end != msg.payload.data() + msg.payload.size() || seq < 0 || seq >= total) ++wp->bad;
      else wp->seqs.push_back(seq);
      ++handled;
    });
    auto cfg = base_config(b, "worker-{random}");
    cfg.set("MQTT_SHARED_GROUP", "g");
    w->q->init_app(cfg);
    ASSERT_TRUE(w->q->status().connected) << w->q->last_error().message();
    EXPECT_EQ(w->q->subscribe("jobs/#", 1).result, web::MQTT_ERR_SUCCESS);
    workers.push_back(std::move(w));
  }
  std::set<std::string> ids;
  for (auto& w : workers) {
    ASSERT_TRUE(w->ev.wait(5s, [&] { return w->ev.subacks.size() == 1; }));
    ids.insert(w->q->client_id());
  }
  EXPECT_EQ(ids.size(), 3u) << "{random} must give each worker its own id";
  for (auto& id : ids) EXPECT_EQ(id.rfind("worker-", 0), 0u) << id;
  // The broker saw the group filter, not the plain one.
  EXPECT_NE(b.log().find("$share/g/jobs/#"), std::string::npos) << b.log();

  test_client pub(make_options(b.url(), "jobs-pub"));
  ASSERT_TRUE(pub.connect());
  for (int i = 0; i < total; ++i)
    ASSERT_TRUE(pub.publish("jobs/" + std::to_string(i % 10), std::to_string(i), qos::at_least_once));

  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (handled.load() < total && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  // A little longer, so that a duplicate arriving late is seen too.
  std::this_thread::sleep_for(300ms);

  std::vector<int> seen(total, 0);
  int sum = 0, dups = 0, missing = 0;
  std::string counts;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto& w = *workers[i];
    std::lock_guard l(w.m);
    EXPECT_EQ(w.bad, 0);
    EXPECT_GT(w.seqs.size(), 0u) << "worker " << i << " handled nothing";
    counts += " worker" + std::to_string(i) + "=" + std::to_string(w.seqs.size());
    sum += static_cast<int>(w.seqs.size());
    for (int s : w.seqs)
      if (seen[static_cast<std::size_t>(s)]++ > 0) ++dups;
  }
  for (int n : seen)
    if (n == 0) ++missing;
  std::printf("shared group g, %d QoS 1 messages:%s (total %d)\n", total, counts.c_str(), sum);
  EXPECT_EQ(sum, total) << counts;
  EXPECT_EQ(dups, 0) << counts;
  EXPECT_EQ(missing, 0) << counts;
  for (auto& w : workers) {
    std::lock_guard l(w->ev.m);
    EXPECT_TRUE(w->ev.messages.empty()) << "on_topic took jobs/#: on_message must get nothing";
    EXPECT_TRUE(w->ev.disconnects.empty());
  }
}

/// Flask's `app`: an object with `config()` (the facade's app_with_config).
struct flask_app {
  config_map cfg;
  const config_map& config() const { return cfg; }
};

// The reference's "Usage" section, line by line: configuration keys as in
// its example (empty user name and password, keep-alive 5, TLS off), the
// factory pattern, on_connect subscribing, on_message receiving, publish;
// then its on_topic example (a topic handler takes its topic's messages,
// on_message gets the rest).
TEST(WebIntegration, ReferenceUsageExample) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  flask_app app;
  app.cfg = base_config(b, "web-usage");
  app.cfg.set("MQTT_USERNAME", "");  // "set the username here if you need authentication"
  app.cfg.set("MQTT_PASSWORD", "");
  app.cfg.set("MQTT_KEEPALIVE", 5);
  app.cfg.set("MQTT_TLS_ENABLED", false);

  mqtt q;  // mqtt = Mqtt(), then init_app(app) in create_app()
  events ev;
  ev.attach(q);
  q.on_connect([](mqtt& client, const std::any&, web::connect_flags, int) {
    client.subscribe("home/mytopic");
    client.subscribe("home/specific");
  });
  std::vector<message> specific;
  q.on_topic("home/specific", [&](mqtt&, const std::any&, const message& msg) {
    ev.note([&] { specific.push_back(msg); });
  });
  q.init_app(app);
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == 2; })) << q.last_error().message();
  EXPECT_EQ(q.topics().size(), 2u);

  auto r = q.publish("home/mytopic", "hello world");
  EXPECT_EQ(r.result, web::MQTT_ERR_SUCCESS);
  EXPECT_NE(r.mid, 0);
  auto r2 = q.publish("home/specific", "for the topic handler", 1);
  EXPECT_EQ(r2.result, web::MQTT_ERR_SUCCESS);
  EXPECT_NE(r2.mid, 0);
  EXPECT_NE(r2.mid, r.mid);

  ASSERT_TRUE(ev.wait(5s, [&] { return ev.messages.size() == 1 && specific.size() == 1 && ev.published.size() == 2; }));
  std::this_thread::sleep_for(200ms);  // nothing else may follow
  std::lock_guard l(ev.m);
  ASSERT_EQ(ev.messages.size(), 1u);
  EXPECT_EQ(ev.messages[0].topic, "home/mytopic");
  EXPECT_EQ(ev.messages[0].payload, "hello world");  // message.payload.decode()
  ASSERT_EQ(specific.size(), 1u);
  EXPECT_EQ(specific[0].topic, "home/specific");
  EXPECT_EQ(specific[0].payload, "for the topic handler");
  // Published at QoS 1 but subscribed at the default QoS 0: the broker
  // delivers at the lower of the two.
  EXPECT_EQ(specific[0].qos, 0);
  // on_publish reports the mids publish returned.
  EXPECT_EQ(std::set<message_id>(ev.published.begin(), ev.published.end()), (std::set<message_id>{r.mid, r2.mid}));
}

// Handlers run on their own thread, so a handler blocking for 3 x the
// keep-alive must not stop the pings: mosquitto would drop the client after
// 1.5 x keep-alive (3 s here) of silence.
TEST(WebIntegration, BlockingHandlerDoesNotDisconnect) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  auto cfg = base_config(b, "web-block");
  cfg.set("MQTT_KEEPALIVE", 2);
  mqtt q;
  events ev;
  ev.attach(q);
  std::atomic<bool> blocking{false};
  q.on_topic("block/#", [&](mqtt&, const std::any&, const message& msg) {
    if (msg.payload == "block") {
      blocking = true;
      std::this_thread::sleep_for(6s);
    }
    ev.note([&] { ev.topic_messages.push_back(msg); });
  });
  q.init_app(cfg);
  ASSERT_TRUE(q.status().connected) << q.last_error().message();
  EXPECT_EQ(q.subscribe("block/#", 1).result, web::MQTT_ERR_SUCCESS);
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == 1; }));

  test_client pub(make_options(b.url(), "web-block-pub"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish("block/a", "block", qos::at_least_once));
  // Sent while the handler blocks: it waits in the handler queue.
  auto t0 = std::chrono::steady_clock::now();
  while (!blocking && std::chrono::steady_clock::now() - t0 < 5s) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(blocking.load());
  ASSERT_TRUE(pub.publish("block/b", "during", qos::at_least_once));

  ASSERT_TRUE(ev.wait(10s, [&] { return ev.topic_messages.size() == 2; }));
  EXPECT_TRUE(q.status().connected);
  // After the block: a new message still arrives on the same connection.
  ASSERT_TRUE(pub.publish("block/c", "after", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.topic_messages.size() == 3; }));

  auto st = q.status();
  EXPECT_TRUE(st.connected);
  EXPECT_EQ(st.reconnects, 0u);
  std::lock_guard l(ev.m);
  EXPECT_TRUE(ev.disconnects.empty()) << "rc " << ev.disconnects.front();
  EXPECT_EQ(ev.connects, 1);
  EXPECT_EQ(ev.topic_messages[1].payload, "during");
  EXPECT_EQ(ev.topic_messages[2].payload, "after");
  EXPECT_EQ(b.log().find("exceeded timeout"), std::string::npos) << b.log();
}

}  // namespace
}  // namespace tern::test
