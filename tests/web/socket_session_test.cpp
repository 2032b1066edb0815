// The WebSocket protocol of tern::web::bridge as plain data (no socket):
// requests and their replies, what a socket watches and holds, who may do
// what, bad input, a client that does not read.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "../common/eventually.hpp"
#include "bridge_fixture.hpp"

namespace tern::web::socket_session_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;
using test::get;
using test::open_access;
using test::opened;

http_request ws(std::vector<std::string> filters = {}, std::string_view identity = {}, std::string_view origin = {}) {
  return get("/ws", std::move(filters), identity, origin);
}

bool has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Sends `request` and returns the frame that answers it (the opening
// `ready` taken first).
std::string ask(socket_session& s, std::string_view request) {
  s.take();
  EXPECT_TRUE(s.receive(request));
  return s.take();
}

// A bridge whose facade gets back what it publishes.
struct echoing : test::bridged {
  explicit echoing(bridge_options o) : bridged(std::move(o), true) {}
};

TEST(SocketSession, RequestsGetRepliesWithTheirId) {
  echoing t(open_access());
  auto s = opened(t.b->open_socket(ws()));
  EXPECT_EQ(s->take(), R"({"type":"ready"})");
  s->receive(R"({"type": "publish", "id": 7, "topic": "a/b", "message": "hi", "qos": 1})");
  auto reply = s->take();
  EXPECT_TRUE(has(reply, R"({"type":"reply","id":7,"status":200,"result":0,"result_name":"MQTT_ERR_SUCCESS","mid":)"))
      << reply;
  reply = ask(*s, R"({"type": "subscribe", "id": "sub-1", "topic": "a/#", "qos": 2})");
  EXPECT_TRUE(has(reply, R"("id":"sub-1","status":200)")) << reply;
  EXPECT_TRUE(t.m.topics().contains("a/#"));
  reply = ask(*s, R"({"type": "unsubscribe", "id": 8, "topic": "nope"})");
  EXPECT_TRUE(has(reply, R"("id":8,"status":404)")) << reply;
  reply = ask(*s, R"({"type": "status", "id": 9})");
  EXPECT_TRUE(has(reply, R"("connected":true)")) << reply;
  reply = ask(*s, R"({"type": "unsubscribe_all", "id": 10})");
  EXPECT_TRUE(has(reply, R"("ok":true,"topics":["a/#"])")) << reply;
}

TEST(SocketSession, ItReceivesWhatItWatchesAndHoldsIt) {
  echoing t(open_access());
  auto s = opened(t.b->open_socket(ws({"feed/#"})));
  std::atomic<int> woken{0};
  s->on_ready([&] { ++woken; });
  s->take();
  ASSERT_TRUE(eventually([&] { return t.s.subs().size() == 1; }));  // held on the broker
  t.m.publish("feed/1", "v");
  t.m.publish("other", "w");
  std::string got;
  ASSERT_TRUE(eventually([&] { return has(got += s->take(), "feed/1"); }));
  EXPECT_EQ(got, R"({"type":"message","topic":"feed/1","payload":"v","encoding":"utf-8","qos":0,"retain":false})");
  EXPECT_GE(woken.load(), 1);
  // watch another filter, then stop watching the first
  auto reply = ask(*s, R"({"type": "watch", "id": 1, "topic": "other"})");
  EXPECT_TRUE(has(reply, R"("status":200,"watching":true)")) << reply;
  ASSERT_TRUE(eventually([&] { return t.s.subs().size() == 2; }));
  reply = ask(*s, R"({"type": "unwatch", "id": 2, "topic": "feed/#"})");
  EXPECT_TRUE(has(reply, R"("status":200,"watching":false)")) << reply;
  EXPECT_EQ(s->filters(), std::vector<std::string>{"other"});
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(t.s.m);
    return t.s.unsubscribed == std::vector<std::string>{"feed/#"};
  }));
  t.m.publish("feed/2", "x");
  t.m.publish("other", "y");
  got.clear();
  ASSERT_TRUE(eventually([&] { return has(got += s->take(), R"("payload":"y")"); }));
  EXPECT_FALSE(has(got, "feed/2")) << got;
  s->close();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(t.s.m);
    return t.s.unsubscribed.size() == 2;
  }));
  EXPECT_EQ(t.b->stats().sockets_served, 1u);
  EXPECT_EQ(t.b->stats().open_sockets, 0u);
}

TEST(SocketSession, SeveralEventsInOneFrameOnePerLine) {
  echoing t(open_access());
  bridge_options o = open_access();
  auto s = opened(t.b->open_socket(ws({"n/#"})));
  s->take();
  ASSERT_TRUE(eventually([&] { return t.s.subs().size() == 1; }));
  for (int i = 0; i < 3; ++i) t.m.publish("n/" + std::to_string(i), "v");
  ASSERT_TRUE(eventually([&] { return t.b->stats().events_sent == 0 && t.m.status().messages_in >= 3; }));
  auto frame = s->take();
  EXPECT_EQ(std::count(frame.begin(), frame.end(), '\n'), 2) << frame;
  EXPECT_TRUE(has(frame, "n/0") && has(frame, "n/1") && has(frame, "n/2")) << frame;
}

TEST(SocketSession, BadInputIsAnsweredNeverFatal) {
  echoing t(open_access());
  auto s = opened(t.b->open_socket(ws()));
  struct {
    const char* request;
    const char* answer;
  } cases[] = {
      {"", R"({"type":"error","error":"the request body must be a JSON object; it is empty"})"},
      {"[1,2]", R"({"type":"error","error":"the request body must be a JSON object"})"},
      {"{\"type\": \"publish\", ", R"("type":"error","error":"malformed JSON)"},
      {R"({"id": 1})", R"({"type":"reply","id":1,"status":400,"error":"missing field 'type'"})"},
      {R"({"type": "explode", "id": 2})", R"("id":2,"status":400,"error":"unknown request type 'explode')"},
      {R"({"type": "publish", "id": 3, "topic": "a", "colour": 1})", R"("status":400,"error":"unknown field 'colour')"},
      {R"({"type": "publish", "id": 4, "topic": "a/#"})", R"("status":400,"error":"invalid topic 'a/#')"},
      {R"({"type": "publish", "id": 5, "topic": "a", "qos": 3})", R"("status":400,"error":"field 'qos' must be 0, 1 or 2")"},
      {R"({"type": "watch", "id": 6, "topic": "a/#/b"})", R"("status":400,"error":"invalid topic filter)"},
      {R"({"type": "publish", "id": [1], "topic": "a"})", R"("type":"error")"},
      // The reply names the topic; its JSON stays UTF-8 (a browser fails a
      // WebSocket on a text frame that is not).
      {"{\"type\": \"publish\", \"id\": 1, \"topic\": \"a\xff\"}", R"("error":"invalid topic 'a\ufffd')"},
  };
  for (const auto& c : cases) {
    auto reply = ask(*s, c.request);
    EXPECT_TRUE(has(reply, c.answer)) << c.request << "\n -> " << reply;
  }
  std::string big(70 * 1024, ' ');
  big.front() = '{';
  big.back() = '}';
  EXPECT_TRUE(has(ask(*s, big), "larger than 65536 bytes"));
  // Still serving.
  EXPECT_TRUE(has(ask(*s, R"({"type": "status", "id": 11})"), R"("id":11,"status":200)"));
}

TEST(SocketSession, AClientThatDoesNotReadIsToldThenClosed) {
  echoing t([] {
    auto o = open_access();
    o.stream_queue_size = 4;
    return o;
  }());
  auto s = opened(t.b->open_socket(ws({"f"})));
  auto quiet = opened(t.b->open_socket(ws({"f"})));
  ASSERT_TRUE(eventually([&] { return t.s.subs().size() == 1; }));
  // The other socket reads as they come and gets everything; this one gets
  // 4 and a notice.
  std::string other;
  for (int i = 0; i < 10; ++i) {
    t.m.publish("f", std::to_string(i));
    auto payload = R"("payload":")" + std::to_string(i) + '"';
    ASSERT_TRUE(eventually([&] { return has(other += quiet->take(), payload); })) << other;
  }
  EXPECT_FALSE(has(other, "dropped")) << other;
  auto frame = s->take();
  EXPECT_TRUE(has(frame, R"("payload":"3")") && !has(frame, R"("payload":"4")")) << frame;
  EXPECT_TRUE(has(frame, R"({"type":"dropped","dropped":6})")) << frame;
  // Requests whose replies are never taken: the session asks to be closed.
  bool open_still = true;
  int sent = 0;
  while (open_still && sent < 5000) open_still = s->receive(R"({"type": "status"})"), ++sent;
  EXPECT_FALSE(open_still);
  EXPECT_LT(sent, 5000);
  EXPECT_EQ(s->close_reason(), "the client does not read its replies");
}

TEST(SocketSession, WhoMayDoWhat) {
  bridge_options o;
  o.rules = {{"users/%u/#", access::read_write}};
  o.allowed_origins = {"https://app.example"};
  echoing t(std::move(o));
  // A foreign page may not open a socket with the visitor's cookies.
  auto refused = t.b->open_socket(ws({}, "ann", "https://evil.example"));
  ASSERT_TRUE(std::holds_alternative<http_response>(refused));
  EXPECT_EQ(std::get<http_response>(refused).status, 403);
  // A filter wider than allowed, at open.
  refused = t.b->open_socket(ws({"users/#"}, "ann", "https://app.example"));
  ASSERT_TRUE(std::holds_alternative<http_response>(refused));
  EXPECT_EQ(std::get<http_response>(refused).status, 403);
  auto s = opened(t.b->open_socket(ws({"users/ann/#"}, "ann", "https://app.example")));
  EXPECT_TRUE(has(ask(*s, R"({"type": "publish", "id": 1, "topic": "users/bob/x"})"), R"("status":403)"));
  EXPECT_TRUE(has(ask(*s, R"({"type": "publish", "id": 2, "topic": "users/ann/x"})"), R"("status":200)"));
  EXPECT_TRUE(has(ask(*s, R"({"type": "subscribe", "id": 3, "topic": "#"})"), R"("status":403)"));
  EXPECT_TRUE(has(ask(*s, R"({"type": "watch", "id": 4, "topic": "users/+/x"})"), R"("status":403)"));
  EXPECT_TRUE(has(ask(*s, R"({"type": "unsubscribe_all", "id": 5})"), R"("status":403)"));
  // Safe by default: with no rules a socket may watch, not act.
  echoing d{bridge_options{}};
  auto anon = opened(d.b->open_socket(ws({"a"})));
  EXPECT_TRUE(has(ask(*anon, R"({"type": "publish", "id": 1, "topic": "a"})"), "open access"));
}

TEST(SocketSession, SocketsAndStreamsShareTheLimit) {
  auto o = open_access();
  o.max_streams = 2;
  echoing t(std::move(o));
  auto a = opened(t.b->open_socket(ws()));
  http_request ev;
  ev.method = "GET";
  ev.path = "/events";
  auto b = t.b->open_stream(ev);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<event_stream>>(b));
  auto c = t.b->open_socket(ws());
  ASSERT_TRUE(std::holds_alternative<http_response>(c));
  EXPECT_EQ(std::get<http_response>(c).status, 503);
  a->close();
  EXPECT_NE(opened(t.b->open_socket(ws())), nullptr);
  t.b.reset();  // sockets outlive their bridge, closed
}

}  // namespace
}  // namespace tern::web::socket_session_test
