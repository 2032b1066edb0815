// tern::web::mqtt (the Flask-MQTT facade) against a real, private mosquitto:
// subscriptions survive a broker restart,
// three worker processes share a `$share` group without losing or
// duplicating a message, the reference's usage examples (connect, subscribe,
// on_message, on_topic, publish, unsubscribe, unsubscribe_all, on_log) work
// as written, and a handler that blocks for longer than the keep-alive does
// not cost the connection.
// The unit tests (tests/web) use a fake broker; these check the same promises
// against mosquitto's real behaviour (clean sessions, $share, keep-alive).

#include <gtest/gtest.h>

#include <algorithm>
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
#include <string_view>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "harness.hpp"
#include "process.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::test::web_integration_test {
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
  std::vector<std::vector<int>> granted;  ///< granted_qos of each on_subscribe
  std::vector<message_id> unsubacks;
  std::vector<message_id> published;

  /// Registers every handler except on_topic on `q`.
  void attach(mqtt& q) {
    q.on_connect([this](mqtt&, const std::any&, web::connect_flags, int) { note([&] { ++connects; }); });
    q.on_disconnect([this](mqtt&, const std::any&, int rc) { note([&] { disconnects.push_back(rc); }); });
    q.on_message([this](mqtt&, const std::any&, const message& msg) { note([&] { messages.push_back(msg); }); });
    q.on_subscribe([this](mqtt&, const std::any&, message_id mid, const std::vector<int>& g) {
      note([&] {
        subacks.push_back(mid);
        granted.push_back(g);
      });
    });
    q.on_unsubscribe([this](mqtt&, const std::any&, message_id mid) { note([&] { unsubacks.push_back(mid); }); });
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
  EXPECT_TRUE(q.topics().contains("restart/#"));

  test_client pub(make_options(b.url(), "web-restart-pub"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish("restart/x", "after restart", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return !ev.messages.empty(); })) << b.log();
  std::lock_guard l(ev.m);
  EXPECT_EQ(ev.messages[0].topic, "restart/x");
  EXPECT_EQ(ev.messages[0].payload, "after restart");
  EXPECT_EQ(ev.messages[0].qos, 1);
}

/// A worker's stdout, parsed (web_worker.cpp lists its lines).
struct worker_output {
  std::string ready_id;  ///< from "ready CLIENT_ID"
  std::vector<int> seqs;
  std::vector<std::string> other;  ///< anything else: "bad ...", "unexpected ...", "refused ..."
};

worker_output parse_worker_output(const std::string& text) {
  worker_output w;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // a line still being written
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    int seq = -1;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), seq);
    if (!line.empty() && ec == std::errc{} && end == line.data() + line.size()) w.seqs.push_back(seq);
    else if (line.starts_with("ready ")) w.ready_id = line.substr(6);
    else w.other.emplace_back(line);
  }
  return w;
}

// The issue's promise, with real processes: three worker processes, each its
// own tern::web::mqtt from the same configuration (client id `worker-{pid}`,
// MQTT_SHARED_GROUP=g), subscribe to jobs/#; the facade sends
// `$share/g/jobs/#`, and mosquitto hands each of 3,000 QoS 1 messages to
// exactly one member of the group. Every sequence number must be handled
// exactly once in total, and by on_topic("jobs/#") (the plain filter).
TEST(WebIntegration, ThreeWorkerProcessesShareGroupExactlyOnce) {
  constexpr int total = 3000;
  constexpr int n_workers = 3;
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  auto ini = b.dir() / "worker.ini";
  write_file(ini,
             "# every worker reads this file\n"
             "MQTT_BROKER_URL = 127.0.0.1\n"
             "MQTT_BROKER_PORT = " + std::to_string(b.port()) + "\n"
             "MQTT_CLIENT_ID = worker-{pid}\n"
             "MQTT_SHARED_GROUP = g\n"
             "MQTT_CONNECTION_TIMEOUT = 5\n"
             "MQTT_RECONNECT_DELAY_MIN = 0.1\n"
             "MQTT_RECONNECT_DELAY_MAX = 0.5\n");

  auto exe = tool_path("TERN_WEB_WORKER", "web_worker");
  std::vector<std::unique_ptr<process>> workers;
  for (int i = 0; i < n_workers; ++i) {
    auto w = std::make_unique<process>();
    auto name = "worker" + std::to_string(i);
    ASSERT_TRUE(
        w->spawn({{exe, "jobs/#", ini.string(), "60"}, b.dir() / (name + ".out"), b.dir() / (name + ".err"), {}}))
        << w->error();
    workers.push_back(std::move(w));
  }
  // Publishing before every worker holds its SUBACK would hand the first
  // messages to fewer workers (or none): wait for all three "ready" lines.
  auto all_ready = [&] {
    for (auto& w : workers)
      if (parse_worker_output(w->out()).ready_id.empty() && w->running()) return false;
    return true;
  };
  ASSERT_TRUE(poll_until(15s, all_ready)) << b.log();
  std::set<std::string> ids;
  for (auto& w : workers) {
    ASSERT_TRUE(w->running()) << w->command_line() << " exited: " << w->err();
    auto id = parse_worker_output(w->out()).ready_id;
    // {pid} expands to the worker's own pid: distinct processes, distinct ids.
    EXPECT_EQ(id, "worker-" + std::to_string(w->pid()));
    ids.insert(id);
    // The broker got the group filter from this worker, not the plain one.
    EXPECT_NE(b.log().find(id + " 1 $share/g/jobs/#"), std::string::npos) << b.log();
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(n_workers));

  test_client pub(make_options(b.url(), "jobs-pub"));
  ASSERT_TRUE(pub.connect());
  for (int i = 0; i < total; ++i)
    ASSERT_TRUE(pub.publish("jobs/" + std::to_string(i % 10), std::to_string(i), qos::at_least_once));

  auto handled = [&] {
    std::size_t n = 0;
    for (auto& w : workers) n += parse_worker_output(w->out()).seqs.size();
    return n;
  };
  EXPECT_TRUE(poll_until(30s, [&] { return handled() >= total; })) << "handled " << handled();
  // A little longer, so that a duplicate arriving late is seen too.
  std::this_thread::sleep_for(500ms);
  for (auto& w : workers) {
    w->terminate(10s);
    EXPECT_EQ(w->exit_status(), 0) << w->command_line() << ": " << w->err();
  }

  std::vector<int> seen(total, 0);
  int sum = 0, dups = 0, missing = 0;
  std::string counts;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto out = parse_worker_output(workers[i]->out());
    auto err = workers[i]->err();
    EXPECT_TRUE(out.other.empty()) << "worker " << i << ": " << out.other.front();
    EXPECT_GT(out.seqs.size(), 0u) << "worker " << i << " handled nothing";
    EXPECT_NE(err.find("handled " + std::to_string(out.seqs.size()) + "\n"), std::string::npos)
        << "worker " << i << " handled a different number than it printed: " << err;
    EXPECT_EQ(err.find("connection lost"), std::string::npos) << "worker " << i << ": " << err;
    counts += " worker" + std::to_string(i) + "=" + std::to_string(out.seqs.size());
    sum += static_cast<int>(out.seqs.size());
    for (int s : out.seqs) {
      if (s < 0 || s >= total) {
        ADD_FAILURE() << "worker " << i << " handled sequence number " << s;
        continue;
      }
      if (seen[static_cast<std::size_t>(s)]++ > 0) ++dups;
    }
  }
  for (int n : seen)
    if (n == 0) ++missing;
  std::printf("shared group g, %d QoS 1 messages, %d processes:%s (total %d)\n", total, n_workers, counts.c_str(), sum);
  EXPECT_EQ(sum, total) << counts;
  EXPECT_EQ(dups, 0) << counts;
  EXPECT_EQ(missing, 0) << counts;
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

  events ev;  // before q: q's handler thread writes to it until q is gone
  mqtt q;     // mqtt = Mqtt(), then init_app(app) in create_app()
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

/// The payloads received on `topic`, under the lock.
std::vector<std::string> payloads_on(events& ev, const std::string& topic) {
  std::lock_guard l(ev.m);
  std::vector<std::string> out;
  for (const auto& m : ev.messages)
    if (m.topic == topic) out.push_back(m.payload);
  return out;
}

// The reference's "To unsubscribe use unsubscribe()" example, with its
// `mqtt = Mqtt(app)` construction and its on_subscribe / on_unsubscribe
// examples (mid, granted_qos): after the UNSUBACK, messages on the topic no
// longer arrive and topics() no longer lists it; the other subscription
// goes on. Messages published after the UNSUBACK cannot be in flight
// ([MQTT-3.10.4-2]/[MQTT-3.10.4-3] only cover earlier ones).
TEST(WebIntegration, ReferenceUnsubscribeExample) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  flask_app app;
  app.cfg = base_config(b, "web-unsub");
  mqtt q(app);  // mqtt = Mqtt(app): init_app in the constructor
  ASSERT_TRUE(q.status().connected) << q.last_error().message();
  events ev;
  ev.attach(q);

  auto s1 = q.subscribe("home/mytopic", 1);
  auto s2 = q.subscribe("home/other", 1);
  EXPECT_EQ(s1.result, web::MQTT_ERR_SUCCESS);
  EXPECT_EQ(s2.result, web::MQTT_ERR_SUCCESS);
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == 2; }));
  {
    std::lock_guard l(ev.m);
    EXPECT_EQ(std::set<message_id>(ev.subacks.begin(), ev.subacks.end()), (std::set<message_id>{s1.mid, s2.mid}));
    for (const auto& g : ev.granted) EXPECT_EQ(g, std::vector<int>{1}) << "granted_qos, one per filter";
  }

  test_client pub(make_options(b.url(), "web-unsub-pub"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish("home/mytopic", "before", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.messages.size() == 1; }));

  auto u = q.unsubscribe("home/mytopic");  // mqtt.unsubscribe('home/mytopic')
  EXPECT_EQ(u.result, web::MQTT_ERR_SUCCESS);
  EXPECT_NE(u.mid, 0u);
  EXPECT_NE(u.mid, s2.mid);
  // on_unsubscribe gets the mid that unsubscribe returned, once the UNSUBACK
  // for it arrives [MQTT-3.10.4-4] [MQTT-2.3.1-7].
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.unsubacks.size() == 1; })) << b.log();
  {
    std::lock_guard l(ev.m);
    EXPECT_EQ(ev.unsubacks[0], u.mid);
  }
  auto t = q.topics();
  EXPECT_FALSE(t.contains("home/mytopic"));
  EXPECT_TRUE(t.contains("home/other"));
  EXPECT_EQ(q.unsubscribe("home/mytopic"), (web::mqtt_result{web::MQTT_ERR_NOT_FOUND, 0})) << "already gone";

  // Published after the UNSUBACK; then a message on the topic still
  // subscribed, from the same publisher at the same QoS: mosquitto delivers
  // a publisher's messages in order, so once it is here the first one would
  // be too.
  ASSERT_TRUE(pub.publish("home/mytopic", "after", qos::at_least_once));
  ASSERT_TRUE(pub.publish("home/other", "sentinel", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.messages.size() >= 2; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(payloads_on(ev, "home/mytopic"), std::vector<std::string>{"before"});
  EXPECT_EQ(payloads_on(ev, "home/other"), std::vector<std::string>{"sentinel"});
  EXPECT_TRUE(q.status().connected);
}

// The reference's `mqtt.unsubscribe_all()` (its SocketIO example binds it to
// a button): every subscription goes, one UNSUBSCRIBE each, it returns true,
// topics() is empty, and no message on those filters arrives any more.
TEST(WebIntegration, ReferenceUnsubscribeAllExample) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  events ev;  // before q: q's handler thread writes to it until q is gone
  mqtt q;
  ev.attach(q);
  const std::vector<std::string> filters{"home/a", "home/b/#", "home/+/c"};
  q.on_connect([&](mqtt& client, const std::any&, web::connect_flags, int) {
    for (const auto& f : filters) client.subscribe(f, 1);
  });
  q.init_app(base_config(b, "web-unsub-all"));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == filters.size(); })) << q.last_error().message();
  EXPECT_EQ(q.topics().size(), filters.size());

  test_client pub(make_options(b.url(), "web-unsub-all-pub"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish("home/b/x", "before", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.messages.size() == 1; }));

  EXPECT_TRUE(q.unsubscribe_all());
  EXPECT_TRUE(q.topics().empty());
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.unsubacks.size() == filters.size(); })) << b.log();
  for (const auto& f : filters)
    EXPECT_TRUE(b.wait_log("web-unsub-all " + f, 5s)) << "no UNSUBSCRIBE for " << f << "\n" << b.log();
  EXPECT_TRUE(q.unsubscribe_all()) << "nothing left to unsubscribe is not a failure";

  // A fresh subscription as the sentinel (see ReferenceUnsubscribeExample).
  ASSERT_EQ(q.subscribe("sentinel", 1).result, web::MQTT_ERR_SUCCESS);
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.subacks.size() == filters.size() + 1; }));
  for (const auto* topic : {"home/a", "home/b/x", "home/x/c"})
    ASSERT_TRUE(pub.publish(topic, "after", qos::at_least_once));
  ASSERT_TRUE(pub.publish("sentinel", "last", qos::at_least_once));
  ASSERT_TRUE(ev.wait(5s, [&] { return ev.messages.size() >= 2; }));
  std::this_thread::sleep_for(200ms);
  std::lock_guard l(ev.m);
  ASSERT_EQ(ev.messages.size(), 2u) << ev.messages.back().topic;
  EXPECT_EQ(ev.messages[0].payload, "before");
  EXPECT_EQ(ev.messages[1].topic, "sentinel");
  EXPECT_TRUE(ev.disconnects.empty());
}

// The reference's Logging example: an on_log handler gets (client, userdata,
// level, buf) with level one of MQTT_LOG_INFO 0x01, NOTICE 0x02, WARNING 0x04,
// ERR 0x08, DEBUG 0x10, and its `if level == MQTT_LOG_ERR` branch sees the
// errors. Real events produce each level: a typo in the configuration
// (WARNING), connecting (INFO), the broker going away (NOTICE), and the
// reconnects it then refuses (ERR).
TEST(WebIntegration, ReferenceLoggingExample) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  static_assert(static_cast<int>(web::MQTT_LOG_INFO) == 0x01 && static_cast<int>(web::MQTT_LOG_NOTICE) == 0x02 &&
                static_cast<int>(web::MQTT_LOG_WARNING) == 0x04 && static_cast<int>(web::MQTT_LOG_ERR) == 0x08 &&
                static_cast<int>(web::MQTT_LOG_DEBUG) == 0x10);
  // Before q: q's handler thread writes to them until q is gone.
  events ev;
  std::vector<std::pair<log_level, std::string>> lines;  // print(level, buf)
  std::vector<std::string> errors;                        // print('Error: {}'.format(buf))
  mqtt q;
  ev.attach(q);
  q.on_log([&](mqtt& client, const std::any& userdata, log_level level, const std::string& buf) {
    EXPECT_EQ(&client, &q);
    EXPECT_EQ(std::any_cast<std::string>(userdata), "my userdata");
    ev.note([&] {
      lines.emplace_back(level, buf);
      if (level == web::MQTT_LOG_ERR) errors.push_back(buf);
    });
  });
  q.set_userdata(std::string("my userdata"));
  auto cfg = base_config(b, "web-log");
  cfg.set("MQTT_KEEPALIV", 5);  // a typo: reported, not silently ignored
  q.init_app(cfg);
  ASSERT_TRUE(q.status().connected) << q.last_error().message();

  auto has = [&](log_level level, std::string_view text) {
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) {
      return l.first == level && l.second.find(text) != std::string::npos;
    });
  };
  ASSERT_TRUE(ev.wait(5s, [&] {
    return has(web::MQTT_LOG_WARNING, "MQTT_KEEPALIV") && has(web::MQTT_LOG_INFO, "connecting to") &&
           has(web::MQTT_LOG_INFO, "Connected");
  }));
  {
    std::lock_guard l(ev.m);
    EXPECT_TRUE(has(web::MQTT_LOG_WARNING, "did you mean MQTT_KEEPALIVE?"));
    EXPECT_TRUE(errors.empty()) << errors.front();
  }

  b.stop();
  ASSERT_TRUE(ev.wait(10s, [&] { return !ev.disconnects.empty() && !errors.empty(); }));
  std::lock_guard l(ev.m);
  EXPECT_EQ(ev.disconnects[0], web::MQTT_ERR_CONN_LOST);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const auto& l) { return l.first == web::MQTT_LOG_NOTICE; }))
      << "the lost connection";
  EXPECT_NE(errors.front().find("connection failed"), std::string::npos) << errors.front();
  for (const auto& [level, buf] : lines) {
    auto v = static_cast<int>(level);
    EXPECT_TRUE(v == 0x01 || v == 0x02 || v == 0x04 || v == 0x08 || v == 0x10) << v << " " << buf;
    EXPECT_FALSE(buf.empty());
  }
}

// Handlers run on their own thread, so a handler blocking for 3 x the
// keep-alive must not stop the pings: mosquitto would drop the client after
// 1.5 x keep-alive (3 s here) of silence.
TEST(WebIntegration, BlockingHandlerDoesNotDisconnect) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  auto cfg = base_config(b, "web-block");
  cfg.set("MQTT_KEEPALIVE", 2);
  events ev;  // before q: q's handler thread writes to it until q is gone
  mqtt q;
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
}  // namespace tern::test::web_integration_test
