// tern::web::mqtt against the in-process fake broker (tests/client/fake_broker.hpp).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "../common/eventually.hpp"
#include "scripted_broker.hpp"
#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::web::mqtt_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;
using test::append;
using test::bytes;
using test::config_for;
using test::fake_broker;
using test::publish_wire;
using test::recorder;
using test::scripted;

struct fake_app {
  config_map cfg;
  const config_map& config() const { return cfg; }
};

TEST(WebMqtt, ClientIdWithoutAConfiguredOneIsTheGeneratedOne) {
  scripted s;
  fake_broker broker(s.fn());
  fake_app app{config_for(broker)};
  mqtt m(app);
  ASSERT_TRUE(m.status().connected);
  ASSERT_FALSE(s.client_ids.empty());
  EXPECT_FALSE(s.client_ids.at(0).empty());
  EXPECT_EQ(m.client_id(), s.client_ids.at(0));
}

TEST(WebMqtt, AppConstructorConnectsAndOnConnectWhileConnectedRunsAtOnce) {
  scripted s;
  fake_broker broker(s.fn());
  fake_app app{config_for(broker)};
  app.cfg.set("MQTT_CLIENT_ID", "w-{pid}");
  recorder r;
  mqtt m(app);  // connect_async = false: returns after the CONNACK
  EXPECT_TRUE(m.status().connected);
  EXPECT_EQ(m.client_id(), "w-" + std::to_string(::getpid()));
  EXPECT_EQ(s.client_ids.at(0), m.client_id());
  m.on_connect([&](mqtt& c, const std::any&, connect_flags f, int rc) {
    EXPECT_EQ(&c, &m);
    r.add("connect rc=" + std::to_string(rc) + " sp=" + std::to_string(f.session_present));
  });
  EXPECT_TRUE(eventually([&] { return r.has("connect rc=0 sp=0"); }));
  EXPECT_EQ(m.status().last_connack_code, 0);
}

TEST(WebMqtt, TopicHandlersTakePrecedenceInRegistrationOrder) {
  scripted s;
  s.on_connack = {"sensors/1/temp", "other", "cmd/x"};
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  m.on_message([&](mqtt&, const std::any&, const message& msg) { r.add("message " + std::string(msg.topic)); });
  m.on_topic("sensors/+/temp", [&](mqtt&, const std::any&, const message& msg) { r.add("topic1 " + std::string(msg.topic)); });
  m.on_topic("sensors/#", [&](mqtt&, const std::any&, const message& msg) { r.add("topic2 " + std::string(msg.topic)); });
  m.on_topic("$share/g/cmd/+", [&](mqtt&, const std::any&, const message& msg) {
    r.add("shared " + std::string(msg.topic) + "=" + std::string(msg.payload));
  });
  m.init_app(config_for(broker));
  EXPECT_TRUE(eventually([&] { return r.get().size() == 4; }));
  EXPECT_EQ(r.get(), (std::vector<std::string>{"topic1 sensors/1/temp", "topic2 sensors/1/temp", "message other",
                                               "shared cmd/x=v"}));
  EXPECT_THROW(m.on_topic("a/#/b", [](mqtt&, const std::any&, const message&) {}), std::invalid_argument);
}

TEST(WebMqtt, EveryMessageObserversSeeAllAfterTheHandlers) {
  scripted s;
  s.on_connack = {"sensors/1/temp", "other"};
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  m.on_message([&](mqtt&, const std::any&, const message& msg) { r.add("message " + std::string(msg.topic)); });
  m.on_topic("sensors/#", [&](mqtt&, const std::any&, const message& msg) { r.add("topic " + std::string(msg.topic)); });
  auto id = m.on_every_message([&](mqtt&, const std::any&, const message& msg) { r.add("every " + std::string(msg.topic)); });
  m.init_app(config_for(broker));
  EXPECT_TRUE(eventually([&] { return r.get().size() == 4; }));
  EXPECT_EQ(r.get(), (std::vector<std::string>{"topic sensors/1/temp", "every sensors/1/temp", "message other",
                                               "every other"}));
  EXPECT_TRUE(m.remove_handler(id));
}

TEST(WebMqtt, ArrivalObserversRunOnTheNetworkThreadAndUnwantedMessagesAreNotQueued) {
  scripted s;
  s.echo = true;
  fake_broker broker(s.fn());
  mqtt_options o;
  o.external_dispatch = true;  // handlers run only where run_pending is called: here
  o.queue_unclaimed_messages = false;
  mqtt m(o);
  recorder r;
  std::atomic<std::thread::id> arrival_thread;
  m.on_every_message_arrival([&](mqtt& c, const std::any&, const message& msg) {
    EXPECT_EQ(&c, &m);
    arrival_thread = std::this_thread::get_id();
    r.add("arrived " + std::string(msg.topic) + "=" + std::string(msg.payload));
  });
  int published = 0;
  m.on_publish([&](mqtt&, const std::any&, message_id) { ++published; });
  m.init_app(config_for(broker));
  while (m.wait_pending(200)) m.run_pending();  // the connect and its log lines

  for (const char* t : {"a", "b", "c"}) m.publish(t, "v");
  // Seen without a run_pending call: on the network thread.
  ASSERT_TRUE(eventually([&] { return r.get().size() == 3; }));
  EXPECT_NE(arrival_thread.load(), std::this_thread::get_id());
  EXPECT_EQ(r.get(), (std::vector<std::string>{"arrived a=v", "arrived b=v", "arrived c=v"}));
  // No handler wants messages: only the three on_publish events were queued.
  std::size_t ran = 0;
  while (m.wait_pending(200)) ran += m.run_pending();
  EXPECT_EQ(published, 3);
  EXPECT_EQ(ran, 3u);

  // Once a handler of either kind wants them, messages are queued again.
  std::vector<std::string> handled;
  auto handle = [&](mqtt&, const std::any&, const message& msg) { handled.push_back(msg.topic); };
  auto run_until_handled = [&](std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (handled.size() < n && std::chrono::steady_clock::now() < deadline)
      if (m.wait_pending(100)) m.run_pending();
  };
  auto every = m.on_every_message(handle);
  m.publish("d", "v");
  run_until_handled(1);
  ASSERT_TRUE(m.remove_handler(every));
  m.on_message(handle);
  m.publish("e", "v");
  run_until_handled(2);
  EXPECT_EQ(handled, (std::vector<std::string>{"d", "e"}));
  EXPECT_TRUE(r.has("arrived e=v"));
}

TEST(WebMqtt, AMessageWaitsForAHandlerRegisteredAfterItArrived) {
  // Flask-MQTT's order: connect, then the decorators. A retained message
  // (here: the broker's first) may arrive in between.
  scripted s;
  s.on_connack = {"retained/a"};
  fake_broker broker(s.fn());
  mqtt_options o;
  o.external_dispatch = true;
  mqtt m(o);
  m.init_app(config_for(broker));
  ASSERT_TRUE(eventually([&] { return m.status().messages_in == 1; }));
  std::vector<std::string> handled;
  m.on_message([&](mqtt&, const std::any&, const message& msg) { handled.push_back(msg.topic); });
  while (handled.empty() && m.wait_pending(1000)) m.run_pending();
  EXPECT_EQ(handled, std::vector<std::string>{"retained/a"});
}

TEST(WebMqtt, ExternalDispatchRunsHandlersOnlyWhereRunPendingIsCalled) {
  scripted s;
  s.on_connack = {"a", "b"};
  fake_broker broker(s.fn());
  mqtt_options o;
  o.external_dispatch = true;
  mqtt m(o);
  ASSERT_GE(m.dispatch_fd(), 0);
  std::vector<std::string> seen;  // only this thread touches it: no lock, on purpose
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int) { seen.push_back("connect"); });
  m.on_message([&](mqtt&, const std::any&, const message& msg) { seen.push_back(msg.topic); });
  m.init_app(config_for(broker));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    if (m.wait_pending(100)) m.run_pending();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"connect", "a", "b"}));
  EXPECT_EQ(m.run_pending(), 0u);
}

TEST(WebMqtt, MessagesCarryTheTimeTheNetworkThreadReceivedThem) {
  scripted s;
  s.on_connack = {"a", "b", "c"};
  fake_broker broker(s.fn());
  mqtt_options o;
  o.external_dispatch = true;  // nothing runs the handlers until this thread does
  mqtt m(o);
  std::vector<message> seen;
  m.on_message([&](mqtt&, const std::any&, const message& msg) { seen.push_back(msg); });
  auto start = std::chrono::steady_clock::now();
  m.init_app(config_for(broker));
  ASSERT_TRUE(eventually([&] { return m.status().messages_in == 3; }));
  auto read_by = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(50ms);
  while (seen.size() < 3 && m.wait_pending(1000)) m.run_pending();
  ASSERT_EQ(seen.size(), 3u);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_GE(seen[k].received, start) << seen[k].topic;
    EXPECT_LE(seen[k].received, read_by) << seen[k].topic;
    if (k > 0) {
      EXPECT_GE(seen[k].received, seen[k - 1].received);
    }
  }
}

TEST(WebMqtt, OwnThreadModeHasNoDispatchFd) {
  mqtt m;
  EXPECT_EQ(m.dispatch_fd(), -1);
  EXPECT_EQ(m.run_pending(), 0u);
  EXPECT_FALSE(m.wait_pending(0));
}

TEST(WebMqtt, SeveralHandlersRunAndCanBeRemoved) {
  scripted s;
  s.on_suback = {"t"};
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  auto a = m.on_message([&](mqtt&, const std::any&, const message&) { r.add("a"); });
  auto b = m.on_message([&](mqtt&, const std::any&, const message&) { r.add("b"); });
  auto t = m.on_topic("t", [&](mqtt&, const std::any&, const message&) { r.add("t"); });
  EXPECT_NE(a, b);
  EXPECT_TRUE(m.remove_handler(t));
  EXPECT_FALSE(m.remove_handler(t));
  m.init_app(config_for(broker));
  m.subscribe("t");
  EXPECT_TRUE(eventually([&] { return r.get().size() == 2; }));
  EXPECT_EQ(r.get(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(m.remove_handler(a));
  m.subscribe("t2");  // the broker sends "t" again after this SUBACK
  EXPECT_TRUE(eventually([&] { return r.get().size() == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(r.get(), (std::vector<std::string>{"a", "b", "b"}));
}

TEST(WebMqtt, OfflineSubscriptionsAreAppliedAfterConnackAndAfterEveryReconnect) {
  scripted s;
  s.drop_first_connection_after_suback = true;
  fake_broker broker(s.fn());
  recorder r;
  mqtt m(mqtt_options{.connect_async = true});
  m.on_subscribe([&](mqtt&, const std::any&, message_id mid, const std::vector<int>& granted) {
    r.add("suback " + std::to_string(mid != 0) + " " + std::to_string(granted.at(0)));
  });
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int) { r.add("connect"); });
  m.on_disconnect([&](mqtt&, const std::any&, int rc) { r.add("disconnect " + std::to_string(rc)); });
  EXPECT_EQ(m.subscribe("home/mytopic", 1), (mqtt_result{MQTT_ERR_NO_CONN, 0}));
  ASSERT_TRUE(m.topics().contains("home/mytopic"));
  EXPECT_EQ(*m.topics().find("home/mytopic"), (topic_qos{"home/mytopic", 1}));
  m.init_app(config_for(broker));
  // Sent after the first CONNACK; the broker then breaks the connection; sent again after the reconnect.
  EXPECT_TRUE(eventually([&] { return s.subs().size() == 2; }));
  EXPECT_EQ(s.subs(), (std::vector<std::pair<int, std::string>>{{1, "home/mytopic"}, {2, "home/mytopic"}}));
  EXPECT_TRUE(eventually([&] { return r.count_prefix("connect") == 2; }));
  EXPECT_TRUE(r.has("disconnect " + std::to_string(MQTT_ERR_PROTOCOL)));
  EXPECT_TRUE(r.has("suback 1 1"));
  EXPECT_TRUE(eventually([&] { return m.status().reconnects == 1; }));
  // Connected now: at once.
  auto res = m.subscribe(std::vector<topic_qos>{{"a", 0}, {"b", 2}});
  EXPECT_EQ(res.result, MQTT_ERR_SUCCESS);
  EXPECT_NE(res.mid, 0u);
  EXPECT_TRUE(eventually([&] { return s.subs().size() == 4; }));
  EXPECT_EQ(m.topics().size(), 3u);
  EXPECT_EQ(m.subscribe("a/#/b").result, MQTT_ERR_INVAL);
  EXPECT_EQ(m.subscribe("a", 3).result, MQTT_ERR_INVAL);
  EXPECT_EQ(m.topics().size(), 3u);
}

TEST(WebMqtt, UnsubscribeAndUnsubscribeAll) {
  scripted s;
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  m.on_unsubscribe([&](mqtt&, const std::any&, message_id mid) { r.add("unsuback " + std::to_string(mid)); });
  m.init_app(config_for(broker));
  m.subscribe("a");
  m.subscribe("b");
  m.subscribe("c");
  EXPECT_EQ(m.unsubscribe("zzz"), (mqtt_result{MQTT_ERR_NOT_FOUND, 0}));
  auto u = m.unsubscribe("a");
  EXPECT_EQ(u.result, MQTT_ERR_SUCCESS);
  EXPECT_TRUE(eventually([&] { return r.has("unsuback " + std::to_string(u.mid)); }));
  EXPECT_TRUE(m.unsubscribe_all());
  EXPECT_TRUE(m.topics().empty());
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.unsubscribed.size() == 3;
  }));
}

TEST(WebMqtt, PublishResults) {
  mqtt before;
  EXPECT_EQ(before.publish("a", "x"), (mqtt_result{MQTT_ERR_NO_CONN, 0}));

  scripted s;
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  m.on_publish([&](mqtt&, const std::any&, message_id mid) { r.add("published " + std::to_string(mid)); });
  m.init_app(config_for(broker));
  auto p = m.publish("home/mytopic", "hello world");
  EXPECT_EQ(p.result, MQTT_ERR_SUCCESS);
  EXPECT_TRUE(eventually([&] { return r.has("published " + std::to_string(p.mid)); }));
  auto q1 = m.publish("n", 42, 1, false);
  EXPECT_EQ(q1.result, MQTT_ERR_SUCCESS);
  EXPECT_TRUE(eventually([&] { return r.has("published " + std::to_string(q1.mid)); }));
  EXPECT_EQ(m.publish("a/+", "x").result, MQTT_ERR_INVAL);
  EXPECT_EQ(m.publish("a", "x", 3).result, MQTT_ERR_INVAL);
  EXPECT_EQ(m.publish("", "x").result, MQTT_ERR_INVAL);
  EXPECT_TRUE(eventually([&] { return m.status().messages_out == 2; }));
}

TEST(WebMqtt, OfflinePublishIsQueuedUpToMaxQueued) {
  std::uint16_t dead;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    dead = a.local_endpoint().port();
  }
  config_map cfg{{"MQTT_BROKER_URL", "127.0.0.1"}, {"MQTT_BROKER_PORT", dead}, {"MQTT_MAX_QUEUED", 2}};
  mqtt m(mqtt_options{.connect_async = true});
  m.init_app(cfg);
  EXPECT_EQ(m.publish("a", "1", 1).result, MQTT_ERR_QUEUED);
  EXPECT_EQ(m.publish("a", "2").result, MQTT_ERR_QUEUED);
  EXPECT_TRUE(eventually([&] { return m.status().queued == 2; }));
  EXPECT_EQ(m.publish("a", "3"), (mqtt_result{MQTT_ERR_QUEUE_SIZE, 0}));
  EXPECT_FALSE(m.status().connected);
}

TEST(WebMqtt, BackToBackOfflinePublishesSeeEachOther) {
  // No waiting between the calls: the client counts its queue on its
  // strand, and the facade must not check a count that lags behind.
  std::uint16_t dead;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    dead = a.local_endpoint().port();
  }
  config_map cfg{{"MQTT_BROKER_URL", "127.0.0.1"}, {"MQTT_BROKER_PORT", dead}, {"MQTT_MAX_QUEUED", 3}};
  mqtt m(mqtt_options{.connect_async = true});
  m.init_app(cfg);
  std::vector<mqtt_err> results;
  for (int k = 0; k < 5; ++k) results.push_back(m.publish("a", k, 1).result);
  EXPECT_EQ(results, (std::vector<mqtt_err>{MQTT_ERR_QUEUED, MQTT_ERR_QUEUED, MQTT_ERR_QUEUED, MQTT_ERR_QUEUE_SIZE,
                                            MQTT_ERR_QUEUE_SIZE}));
  EXPECT_EQ(m.status().queued, 3u);
}

TEST(WebMqtt, LastErrorDetailSaysWhere) {
  std::uint16_t dead;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    dead = a.local_endpoint().port();
  }
  config_map cfg{{"MQTT_BROKER_URL", "127.0.0.1"}, {"MQTT_BROKER_PORT", dead}};
  mqtt m;
  EXPECT_EQ(m.last_error_detail(), "");
  m.init_app(cfg);
  EXPECT_TRUE(m.last_error());
  EXPECT_NE(std::string(m.last_error_detail()).find("127.0.0.1:" + std::to_string(dead)), std::string::npos)
      << m.last_error_detail();
}

TEST(WebMqtt, SharedGroupPrefixesSubscriptionsButNotDispatch) {
  scripted s;
  s.on_suback = {"jobs/7"};
  fake_broker broker(s.fn());
  auto cfg = config_for(broker);
  cfg.set("MQTT_SHARED_GROUP", "workers");
  recorder r;
  mqtt m;
  m.on_topic("jobs/+", [&](mqtt&, const std::any&, const message& msg) { r.add(msg.topic); });
  m.init_app(cfg);
  m.subscribe("jobs/+");
  m.subscribe("$share/other/x");  // already shared: sent as is
  EXPECT_TRUE(eventually([&] { return r.has("jobs/7"); }));
  EXPECT_TRUE(eventually([&] { return s.subs().size() == 2; }));
  EXPECT_EQ(s.subs()[0].second, "$share/workers/jobs/+");
  EXPECT_EQ(s.subs()[1].second, "$share/other/x");
  EXPECT_TRUE(m.topics().contains("jobs/+"));
  m.unsubscribe("jobs/+");
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.unsubscribed.size() == 1 && s.unsubscribed[0] == "$share/workers/jobs/+";
  }));
}

TEST(WebMqtt, BlockingHandlerCausesNoDisconnectAndLosesNoMessage) {
  scripted s;
  s.on_connack = {"slow", "next"};
  fake_broker broker(s.fn());
  auto cfg = config_for(broker);
  cfg.set("MQTT_KEEPALIVE", 1);
  recorder r;
  mqtt m;
  m.on_disconnect([&](mqtt&, const std::any&, int rc) { r.add("disconnect " + std::to_string(rc)); });
  m.on_message([&](mqtt&, const std::any&, const message& msg) {
    if (msg.topic == "slow") std::this_thread::sleep_for(3500ms);  // 3.5 x keepalive
    r.add(msg.topic);
  });
  m.init_app(cfg);
  EXPECT_TRUE(eventually([&] { return r.get().size() >= 2; }, 10s));
  EXPECT_EQ(r.get(), (std::vector<std::string>{"slow", "next"}));
  EXPECT_TRUE(m.status().connected);
  EXPECT_EQ(broker.connections(), 1);
  std::lock_guard lock(s.m);
  EXPECT_GE(s.pingreqs, 2);  // the network thread kept pinging meanwhile
}

TEST(WebMqtt, FullHandlerQueueDropsNewestAndWarns) {
  scripted s;
  for (int n = 0; n < 20; ++n) s.on_connack.push_back("m/" + std::to_string(n));
  fake_broker broker(s.fn());
  // Room for the connect event and the connect-time log lines too: with 3
  // slots, a handler thread slow to start (a loaded machine) could find them
  // all taken and every message dropped, and nothing left to check.
  recorder r;
  mqtt m(mqtt_options{.handler_queue_size = 8});
  std::atomic<bool> release{false};
  m.on_message([&](mqtt&, const std::any&, const message& msg) {
    while (!release) std::this_thread::sleep_for(1ms);
    r.add(msg.topic);
  });
  m.on_log([&](mqtt&, const std::any&, log_level level, const std::string& text) {
    if (level == MQTT_LOG_WARNING && text.find("handler queue full") != std::string::npos) r.add("warning");
  });
  m.init_app(config_for(broker));
  EXPECT_TRUE(eventually([&] { return m.status().messages_in == 20; }));
  EXPECT_TRUE(eventually([&] { return m.status().dropped >= 11; }));  // 20 - 8 queued - 1 running
  release = true;
  EXPECT_TRUE(eventually([&] { return r.has("warning"); }));
  // Drop-newest: what got into the queue first is handled, the last ones are gone.
  EXPECT_TRUE(eventually([&] { return r.count_prefix("m/") >= 1; }));
  EXPECT_FALSE(r.has("m/19"));
}

TEST(WebMqtt, HandlerWrapperAndUserdata) {
  scripted s;
  s.on_connack = {"t"};
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  thread_local bool in_context = false;
  std::atomic<int> wrapped{0};
  m.set_handler_wrapper([&](const std::function<void()>& call) {
    ++wrapped;
    in_context = true;
    call();
    in_context = false;
  });
  m.set_userdata(std::string("ud"));
  m.on_message([&](mqtt&, const std::any& ud, const message&) {
    r.add(std::string(in_context ? "in " : "out ") + std::any_cast<std::string>(ud));
  });
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int) {
    r.add("connect");
    throw std::runtime_error("boom");  // logged, the others still run
  });
  m.on_log([&](mqtt&, const std::any&, log_level level, const std::string& text) {
    if (level == MQTT_LOG_ERR && text.find("boom") != std::string::npos) r.add("logged");
  });
  m.init_app(config_for(broker));
  EXPECT_TRUE(eventually([&] { return r.has("in ud") && r.has("logged"); }));
  EXPECT_GE(wrapped, 2);
}

TEST(WebMqtt, TyposInTheConfigAreLogged) {
  scripted s;
  fake_broker broker(s.fn());
  auto cfg = config_for(broker);
  cfg.set("MQTT_KEEPALIV", 5);
  recorder r;
  mqtt m(mqtt_options{.mqtt_logging = true});
  m.on_log([&](mqtt&, const std::any&, log_level level, const std::string& text) {
    if (level == MQTT_LOG_WARNING) r.add(text);
  });
  m.init_app(cfg);
  EXPECT_TRUE(eventually(
      [&] { return r.has("unknown configuration key MQTT_KEEPALIV is ignored; did you mean MQTT_KEEPALIVE?"); }));
  cfg.set("MQTT_BROKER_PORT", "eighty");
  mqtt bad;
  try {
    bad.init_app(cfg);
    FAIL();
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("MQTT_BROKER_PORT"), std::string::npos);
  }
  EXPECT_THROW(m.init_app(config_for(broker)), std::logic_error);  // twice
}

TEST(WebMqtt, TwoInstancesTwoPrefixesTwoBrokers) {
  scripted s1, s2;
  fake_broker b1(s1.fn()), b2(s2.fn());
  config_map cfg = config_for(b1, "MQTT");
  auto second = config_for(b2, "MQTT2");
  for (const auto& [k, v] : second.values()) cfg.set(k, v);
  cfg.set("MQTT_CLIENT_ID", "one");
  cfg.set("MQTT2_CLIENT_ID", "two");
  mqtt one, two(mqtt_options{.config_prefix = "MQTT2"});
  recorder r;
  one.on_log([&](mqtt&, const std::any&, log_level level, const std::string& t) {
    if (level == MQTT_LOG_WARNING) r.add(t);
  });
  one.init_app(cfg);
  two.init_app(cfg);
  EXPECT_TRUE(one.status().connected);
  EXPECT_TRUE(two.status().connected);
  EXPECT_EQ(s1.client_ids, std::vector<std::string>{"one"});
  EXPECT_EQ(s2.client_ids, std::vector<std::string>{"two"});
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(r.get().empty());  // MQTT2_* keys are no typos of MQTT_*
}

TEST(WebMqtt, DisconnectReportsRcZero) {
  scripted s;
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  m.on_disconnect([&](mqtt&, const std::any&, int rc) { r.add("disconnect " + std::to_string(rc)); });
  m.init_app(config_for(broker));
  m.disconnect();
  EXPECT_TRUE(eventually([&] { return r.has("disconnect 0"); }));
  EXPECT_FALSE(m.status().connected);
}

TEST(WebMqtt, UseAfterForkIsRefused) {
  scripted s;
  fake_broker broker(s.fn());
  auto m = std::make_unique<mqtt>();
  m->init_app(config_for(broker));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    try {
      (void)m->publish("a", "x");
    } catch (const std::logic_error& e) {
      code = std::string(e.what()).find("fork") != std::string::npos ? 0 : 2;
    }
    m.reset();  // the child's copy is not torn down: this returns at once
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(m->publish("a", "x").result, MQTT_ERR_SUCCESS);  // the parent goes on
}

TEST(WebMqtt, PayloadConversions) {
  EXPECT_EQ(payload_data(42).bytes(), "42");
  EXPECT_EQ(payload_data(-1L).bytes(), "-1");
  EXPECT_EQ(payload_data(2.5).bytes(), "2.5");
  EXPECT_EQ(payload_data("text").bytes(), "text");
  EXPECT_EQ(payload_data(std::string("s")).bytes(), "s");
  std::vector<std::byte> b{std::byte{0}, std::byte{0xff}};
  EXPECT_EQ(payload_data(b).bytes(), std::string("\0\xff", 2));
  EXPECT_EQ(payload_data().bytes(), "");
}

TEST(WebMqtt, ARefusedConnackReachesOnConnectWithItsCode) {
  // As paho, and as Flask-MQTT's troubleshooting tells users to check
  // (before: no handler ran at all).
  fake_broker broker([](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p)) return fake_broker::wire(connack_view{false, 5});
    return {};
  });
  recorder r;
  mqtt m;
  m.on_connect([&](mqtt&, const std::any&, connect_flags f, int rc) {
    r.add("connect rc=" + std::to_string(rc) + " sp=" + std::to_string(f.session_present));
  });
  m.on_disconnect([&](mqtt&, const std::any&, int rc) { r.add("disconnect rc=" + std::to_string(rc)); });
  m.init_app(config_for(broker));
  EXPECT_TRUE(eventually([&] { return r.has("connect rc=5 sp=0"); })) << testing::PrintToString(r.get());
  EXPECT_FALSE(m.status().connected);
  EXPECT_EQ(m.status().last_connack_code, 5);
  EXPECT_EQ(r.count_prefix("disconnect"), 0u);  // no connection was established
}

TEST(WebMqtt, ALogHandlerHearsEveryPacketInPahosWords) {
  // Before: the facade emitted no DEBUG lines, so a migrated app's
  // MQTT_LOG_DEBUG output went quiet.
  scripted s;
  fake_broker broker(s.fn());
  recorder all, problems;
  mqtt m;
  m.on_log([&](mqtt&, const std::any&, log_level l, const std::string& buf) {
    if (l == MQTT_LOG_DEBUG) all.add(buf);
  });
  m.on_log([&](mqtt&, const std::any&, log_level l, const std::string& buf) { problems.add(std::string(to_string(l)) + " " + buf); },
           MQTT_LOG_WARNING | MQTT_LOG_ERR);  // as docs/web.md writes it
  static_assert((MQTT_LOG_INFO | MQTT_LOG_NOTICE | MQTT_LOG_DEBUG) == 0x13);
  m.init_app(config_for(broker));
  ASSERT_TRUE(m.status().connected);
  auto r = m.publish("a/b", "hi", 1);
  ASSERT_EQ(r.result, MQTT_ERR_SUCCESS);
  (void)m.subscribe("s/#", 0);
  EXPECT_TRUE(eventually([&] { return all.has("Received SUBACK"); })) << testing::PrintToString(all.get());
  EXPECT_TRUE(all.count_prefix("Sending CONNECT (u0, p0, wr0, wq0, wf0, c1, k60) client_id=b'") == 1);
  EXPECT_TRUE(all.has("Received CONNACK (0, 0)"));
  EXPECT_TRUE(all.has("Sending PUBLISH (d0, q1, r0, m1), 'a/b', ... (2 bytes)"));
  EXPECT_TRUE(all.has("Received PUBACK (Mid: 1)"));
  EXPECT_TRUE(all.has("Sending SUBSCRIBE (d0, m2) [(b's/#', 0)]") || all.has("Sending SUBSCRIBE (d0, m1) [(b's/#', 0)]"))
      << testing::PrintToString(all.get());
  for (const auto& e : problems.get()) EXPECT_EQ(e.rfind("DEBUG", 0), std::string::npos) << e;
}

TEST(WebMqtt, StopDeliversWhatWasPublishedAndNamesWhatWasNot) {
  // The broker acknowledges "a" and never "b".
  fake_broker broker([](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p)) return fake_broker::wire(connack_view{false, 0});
    if (auto* pub = std::get_if<publish_view>(&p); pub && pub->topic == "a") return fake_broker::wire(puback{pub->packet_id});
    return {};
  });
  recorder r;
  mqtt m;
  m.on_publish([&](mqtt&, const std::any&, message_id mid) { r.add("published " + std::to_string(mid)); });
  m.on_log([&](mqtt&, const std::any&, log_level l, const std::string& buf) {
    if (l == MQTT_LOG_ERR) r.add(buf);
  });
  m.init_app(config_for(broker));
  auto delivered = m.publish("a", "x", 1);
  auto lost = m.publish("b", "y", 1);
  m.stop(std::chrono::milliseconds(300));
  // Both reports reached the handlers before stop() returned.
  auto seen = r.get();
  EXPECT_TRUE(r.has("published " + std::to_string(delivered.mid))) << testing::PrintToString(seen);
  EXPECT_FALSE(r.has("published " + std::to_string(lost.mid)));
  EXPECT_TRUE(r.has("stopped with 1 message(s) not delivered (mid " + std::to_string(lost.mid) + ")"))
      << testing::PrintToString(seen);
}

TEST(WebMqtt, StopSaysSoWhenAHandlerHoldsItsEventsBack) {
  // Before: stop() waited a second for the handler thread to go idle and
  // returned without a word when it did not.
  scripted s;
  fake_broker broker(s.fn());
  recorder r;
  mqtt m;
  std::atomic<bool> release{false};
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int) {
    while (!release) std::this_thread::sleep_for(10ms);  // a handler that takes its time
  });
  m.on_log([&](mqtt&, const std::any&, log_level l, const std::string& buf) {
    if (l == MQTT_LOG_WARNING) r.add(buf);
  });
  m.init_app(config_for(broker));
  auto start = std::chrono::steady_clock::now();
  m.stop(0ms);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
  release = true;
  EXPECT_TRUE(eventually([&] {
    return r.has("stop(): a handler has been running for over a second; the stop's own events reach the handlers "
                 "after it");
  }));
}

TEST(WebMqtt, DestroyedFromItsOwnHandler) {
  // Before: std::system_error "Resource deadlock avoided" (the handler
  // thread joined itself), and the process ended.
  scripted s;
  s.on_suback = {"x"};
  fake_broker broker(s.fn());
  auto m = std::make_unique<mqtt>();
  std::promise<void> gone;
  std::atomic<int> later{0};
  m->on_message([&](mqtt&, const std::any&, const message&) {
    m.reset();
    gone.set_value();
  });
  m->on_message([&](mqtt&, const std::any&, const message&) { ++later; });  // its object is gone: never runs
  m->init_app(config_for(broker));
  (void)m->subscribe("x");
  ASSERT_EQ(gone.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(m, nullptr);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(later.load(), 0);
}

TEST(WebMqtt, DestroyingItDeliversAndWritesWhatItCouldNotToStderr) {
  std::mutex m;
  std::vector<std::string> got;
  fake_broker broker([&](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p)) return fake_broker::wire(connack_view{false, 0});
    if (auto* pub = std::get_if<publish_view>(&p)) {
      std::lock_guard lock(m);
      got.emplace_back(pub->topic);
      if (pub->topic == "a") return fake_broker::wire(puback{pub->packet_id});
    }
    return {};
  });
  std::ostringstream captured;
  auto* old = std::clog.rdbuf(captured.rdbuf());
  message_id lost = 0;
  {
    auto cfg = config_for(broker);
    cfg.set("MQTT_STOP_LINGER", 0.3);
    mqtt mq;
    mq.init_app(cfg);
    (void)mq.publish("a", "x", 1);
    lost = mq.publish("b", "y", 1).mid;
  }
  std::clog.rdbuf(old);
  std::lock_guard lock(m);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(captured.str().find("[tern.web] ERR stopped with 1 message(s) not delivered (mid " + std::to_string(lost) + ")"),
            std::string::npos)
      << captured.str();
}

}  // namespace
}  // namespace tern::web::mqtt_test
