// tern::web::bridge as plain data, against the in-process fake broker: the
// endpoints' answers, who may do what, and event streams (framing, queues,
// and the subscriptions they hold).

#include "tern/web/bridge.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>

#include "../common/eventually.hpp"
#include "bridge_fixture.hpp"

namespace tern::web::bridge_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;
using test::bridged;
using test::config_for;
using test::fake_broker;
using test::get;
using test::open_access;
using test::opened;
using test::scripted;

http_request post(std::string_view path, std::string_view body, std::string_view identity = {}) {
  http_request r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.content_type = "application/json";
  r.identity = identity;
  return r;
}

http_request events(std::vector<std::string> filters, std::string_view identity = {}) {
  return get("/events", std::move(filters), identity);
}

bool has(const http_response& r, std::string_view text) { return r.body.find(text) != std::string::npos; }

TEST(Bridge, EndpointsAnswerInJson) {
  bridged t(open_access());
  auto r = t.b->handle(post("/publish", R"({"topic": "a/b", "message": "hi", "qos": 1})"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(has(r, R"("result_name":"MQTT_ERR_SUCCESS")")) << r.body;
  r = t.b->handle(post("/publish", R"({"topic": "a/+"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(has(r, "invalid topic 'a/+'")) << r.body;
  r = t.b->handle(post("/publish", R"({"topic": "a", "colour": "red"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(has(r, "unknown field 'colour'")) << r.body;
  auto text = post("/publish", R"({"topic": "a"})");
  text.content_type = "text/plain";  // a form post from another site needs no preflight
  EXPECT_EQ(t.b->handle(text).status, 415);
  text.content_type = "Application/JSON; charset=utf-8";
  EXPECT_EQ(t.b->handle(text).status, 200);
  http_request get;
  get.method = "GET";
  get.path = "/publish";
  EXPECT_EQ(t.b->handle(get).status, 405);
  get.path = "/nowhere";
  EXPECT_EQ(t.b->handle(get).status, 404);
  get.path = "/status";
  r = t.b->handle(get);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(has(r, R"("connected":true)")) << r.body;
}

TEST(Bridge, ResultNamesAreOneTable) {
  EXPECT_EQ(result_name(MQTT_ERR_QUEUED), "MQTT_ERR_QUEUED");
  EXPECT_EQ(result_name(MQTT_ERR_KEEPALIVE), "MQTT_ERR_KEEPALIVE");
  EXPECT_EQ(result_name(12345), "MQTT_ERR_UNKNOWN");
  for (const auto& [name, value] : result_names()) EXPECT_EQ(result_name(value), name);
}

TEST(Bridge, SafeByDefault) {
  // No rules, no hook, no open access: what acts on the broker connection
  // is refused, reading is not.
  bridged t;
  for (const char* path : {"/publish", "/subscribe", "/unsubscribe", "/unsubscribe_all"}) {
    auto r = t.b->handle(post(path, R"({"topic": "a"})"));
    EXPECT_EQ(r.status, 403) << path << " " << r.body;
    EXPECT_TRUE(has(r, "open access")) << r.body;
  }
  EXPECT_TRUE(t.m.topics().empty());
  EXPECT_NE(opened(t.b->open_stream(events({"a/#"}))), nullptr);
}

TEST(Bridge, RulesWithIdentity) {
  bridge_options o;
  o.rules = {{"users/%u/#", access::read_write}, {"news/#", access::read}};
  bridged t(o);
  EXPECT_EQ(t.b->handle(post("/publish", R"({"topic": "users/ann/x"})", "ann")).status, 200);
  auto r = t.b->handle(post("/publish", R"({"topic": "users/bob/x"})", "ann"));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(has(r, "no rule allows 'ann' to publish to 'users/bob/x'")) << r.body;
  EXPECT_EQ(t.b->handle(post("/publish", R"({"topic": "news/today"})", "ann")).status, 403);  // read only
  EXPECT_EQ(t.b->handle(post("/subscribe", R"({"topic": "news/+"})", "ann")).status, 200);
  // A filter wider than allowed: users/# reaches other users.
  r = t.b->handle(post("/subscribe", R"({"topic": "users/#"})", "ann"));
  EXPECT_EQ(r.status, 403) << r.body;
  // No identity, or one that would widen the pattern: %u never applies.
  EXPECT_EQ(t.b->handle(post("/publish", R"({"topic": "users//x"})", "")).status, 403);
  EXPECT_EQ(t.b->handle(post("/subscribe", R"({"topic": "users/+/#"})", "+")).status, 403);
  EXPECT_EQ(t.b->handle(post("/publish", R"({"topic": "users/a/b/x"})", "a/b")).status, 403);
  // Streams: every filter must lie inside what the identity may read.
  EXPECT_NE(opened(t.b->open_stream(events({"users/ann/#", "news/#"}, "ann"))), nullptr);
  auto v = t.b->open_stream(events({"#"}, "ann"));
  ASSERT_TRUE(std::holds_alternative<http_response>(v));
  EXPECT_EQ(std::get<http_response>(v).status, 403);
  EXPECT_EQ(t.b->handle(post("/unsubscribe_all", "{}", "ann")).status, 403);  // unsubscribes everyone's
}

TEST(Bridge, HookDecidesWithReason) {
  bridge_options o;
  o.authorize = [](const access_request& r) -> std::optional<std::string> {
    if (r.what == access_request::action::publish && r.identity == "viewer") return "viewers do not publish";
    return std::nullopt;
  };
  bridged t(o);
  auto r = t.b->handle(post("/publish", R"({"topic": "a"})", "viewer"));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(has(r, "viewers do not publish")) << r.body;
  EXPECT_EQ(t.b->handle(post("/publish", R"({"topic": "a"})", "editor")).status, 200);
}

TEST(Bridge, ForeignOriginsAreRefused) {
  auto o = open_access();
  o.allowed_origins = {"https://app.example"};
  bridged t(o);
  auto req = post("/publish", R"({"topic": "a"})");
  req.origin = "https://evil.example";
  EXPECT_EQ(t.b->handle(req).status, 403);
  auto ev = events({"a"});
  ev.origin = "https://evil.example";
  EXPECT_TRUE(std::holds_alternative<http_response>(t.b->open_stream(ev)));
  req.origin = "https://app.example";
  EXPECT_EQ(t.b->handle(req).status, 200);
  req.origin = {};  // no Origin: not a browser's cross-site request
  EXPECT_EQ(t.b->handle(req).status, 200);
}

TEST(Bridge, AStreamSubscribesWhatItShowsAndGivesItBack) {
  // Before: a stream opened on home/# received nothing unless something else
  // had subscribed home/# first.
  bridged t;
  auto first = opened(t.b->open_stream(events({"home/#"})));
  ASSERT_TRUE(eventually([&] { return t.subscribed() == std::vector<std::string>{"home/#"}; }));
  auto second = opened(t.b->open_stream(events({"home/#"})));
  first->close();
  std::this_thread::sleep_for(100ms);  // an UNSUBSCRIBE would have arrived by now
  EXPECT_TRUE(t.unsubscribed().empty());
  EXPECT_EQ(t.subscribed().size(), 1u);  // counted: one SUBSCRIBE for both
  second.reset();                       // dropping the last reference closes it
  EXPECT_TRUE(eventually([&] { return t.unsubscribed() == std::vector<std::string>{"home/#"}; }));
  EXPECT_TRUE(t.m.topics().empty());
}

TEST(Bridge, AStreamNeverTakesTheApplicationsSubscription) {
  bridged t(open_access());
  ASSERT_EQ(t.b->handle(post("/subscribe", R"({"topic": "a/#"})")).status, 200);
  auto s = opened(t.b->open_stream(events({"a/#"})));
  s->close();
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(t.unsubscribed().empty());  // the application's stays
  // And the application's unsubscribe leaves a stream's in place.
  auto held = opened(t.b->open_stream(events({"a/#"})));
  auto r = t.b->handle(post("/unsubscribe", R"({"topic": "a/#"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(has(r, R"("mid":0)")) << r.body;  // nothing sent
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(t.unsubscribed().empty());
  held->close();
  EXPECT_TRUE(eventually([&] { return t.unsubscribed() == std::vector<std::string>{"a/#"}; }));
}

TEST(Bridge, AStreamCoveredByTheApplicationsSubscriptionAddsNone) {
  // A second, overlapping subscription would make the broker send messages
  // twice, or at the stream's QoS instead of the application's.
  bridged t(open_access());
  ASSERT_EQ(t.b->handle(post("/subscribe", R"({"topic": "home/#", "qos": 1})")).status, 200);
  ASSERT_TRUE(eventually([&] { return t.subscribed().size() == 1; }));
  auto st = opened(t.b->open_stream(events({"home/+/temp"})));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(t.subscribed(), std::vector<std::string>{"home/#"});
  // The application lets go of home/#: the stream's filter is subscribed on its own.
  ASSERT_EQ(t.b->handle(post("/unsubscribe", R"({"topic": "home/#"})")).status, 200);
  EXPECT_TRUE(eventually([&] { return t.subscribed() == std::vector<std::string>{"home/#", "home/+/temp"}; }));
  st->close();
  EXPECT_TRUE(eventually([&] { return t.unsubscribed() == std::vector<std::string>{"home/#", "home/+/temp"}; }));
}

TEST(Bridge, StreamFramingQueueAndDrops) {
  scripted s;
  s.echo = true;  // what the facade publishes comes back to it
  fake_broker broker(s.fn());
  mqtt m;
  m.init_app(config_for(broker));
  bridge_options o;
  o.stream_queue_size = 2;
  bridge b(m, o);
  auto st = opened(b.open_stream(events({"feed/#"})));
  std::atomic<int> woken{0};
  st->on_ready([&] { ++woken; });
  EXPECT_EQ(st->take(), "retry: 2000\n: tern event stream\n\n");
  ASSERT_TRUE(eventually([&] { return s.subs().size() == 1; }));  // the stream's own subscription
  for (const char* topic : {"feed/1", "feed/2", "feed/3", "other"}) m.publish(topic, "v");
  EXPECT_TRUE(eventually([&] { return b.stats().dropped == 1; }));  // 3 for a queue of 2; "other" is not ours
  EXPECT_TRUE(st->wait(0ms));
  auto text = st->take();
  EXPECT_NE(text.find(R"(data: {"topic":"feed/1","payload":"v","encoding":"utf-8","qos":0,"retain":false})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("feed/2"), std::string::npos);
  EXPECT_EQ(text.find("feed/3"), std::string::npos);
  EXPECT_EQ(text.find("other"), std::string::npos);
  EXPECT_NE(text.find("event: dropped\ndata: {\"dropped\":1}\n\n"), std::string::npos) << text;
  EXPECT_EQ(woken.load(), 1);  // once, when the stream went from nothing to take to something
  EXPECT_EQ(st->take(), "");
  EXPECT_EQ(b.stats().events_sent, 2u);
  b.close_streams();
  EXPECT_TRUE(st->closed());
  EXPECT_EQ(woken.load(), 2);  // and at the end
  EXPECT_EQ(std::get<http_response>(b.open_stream(events({"feed/#"}))).status, 503);
}

TEST(Bridge, ABlockedApplicationHandlerNeverDelaysAStream) {
  scripted s;
  s.echo = true;
  fake_broker broker(s.fn());
  std::atomic<int> handled{0};  // outlives the facade, whose handler counts
  mqtt m;
  std::promise<void> release;
  auto released = release.get_future().share();
  m.on_message([&, released](mqtt&, const std::any&, const message&) {
    released.wait();  // the application's handler thread is stuck
    ++handled;
  });
  // Whatever fails below, the handler is let go before the facade ends.
  std::shared_ptr<void> let_go(nullptr, [&](void*) {
    if (handled.load() == 0) release.set_value();
  });
  m.init_app(config_for(broker));
  bridge b(m, open_access());
  auto st = opened(b.open_stream(events({"feed/#"})));
  ASSERT_TRUE(eventually([&] { return s.subs().size() == 1; }));
  for (const char* topic : {"feed/1", "feed/2", "feed/3"}) m.publish(topic, "v");
  std::string text;
  EXPECT_TRUE(eventually([&] { return (text += st->take()).find("feed/3") != std::string::npos; })) << text;
  EXPECT_EQ(handled.load(), 0);
  let_go.reset();
  EXPECT_TRUE(eventually([&] { return handled.load() == 3; }));
}

TEST(Bridge, ABinaryPayloadGoesAsBase64) {
  scripted s;
  s.echo = true;
  fake_broker broker(s.fn());
  mqtt m;
  m.init_app(config_for(broker));
  bridge b(m);
  auto st = opened(b.open_stream(events({"bin"})));
  ASSERT_TRUE(eventually([&] { return s.subs().size() == 1; }));
  m.publish("bin", std::string("\xff\x00\x01", 3));
  std::string text;
  EXPECT_TRUE(eventually([&] { return (text += st->take()).find("bin") != std::string::npos; }));
  EXPECT_NE(text.find(R"("payload":"/wAB","encoding":"base64")"), std::string::npos) << text;
}

TEST(Bridge, StreamsOutliveTheirBridge) {
  bridged t(open_access());
  auto st = opened(t.b->open_stream(events({"x"})));
  t.b.reset();
  EXPECT_TRUE(st->closed());
  st->close();  // nothing left to release, nothing touched
}

}  // namespace
}  // namespace tern::web::bridge_test
