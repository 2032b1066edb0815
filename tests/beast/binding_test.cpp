// The Boost.Beast binding against a private mosquitto: the HTTP endpoints,
// the event stream and the WebSocket protocol over real sockets; who may do
// what; bad frames and bad JSON; a client that never reads; a thousand
// clients that vanish mid-stream; the broker restarting under open streams;
// stop.

#include "tern/beast/binding.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>


#include <memory>
#include <thread>

#include "../common/eventually.hpp"
#include "../common/proc_self.hpp"
#include "broker.hpp"
#include "clients.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::beast_test::binding_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

using tern::test::open_files;
using tern::test::rss_kib;
using tern::test::thread_count;

/// A facade on a private mosquitto, served by the binding on an io_context
/// the test runs on one thread.
struct served {
  test::broker broker{test::broker_config{}};
  web::mqtt mqtt;
  net::io_context ioc;
  std::unique_ptr<beast_binding::binding> web;
  unsigned short port = 0;
  std::thread runner;

  explicit served(beast_binding::options o = open()) {
    if (!broker.start()) throw std::runtime_error("mosquitto did not start");
    web = std::make_unique<beast_binding::binding>(ioc, mqtt, std::move(o));
    web->start(web::config_map{{"MQTT_BROKER_URL", std::string("127.0.0.1")},
                               {"MQTT_BROKER_PORT", static_cast<std::int64_t>(broker.port())},
                               {"MQTT_RECONNECT_DELAY_MIN", std::int64_t{1}},
                               {"MQTT_RECONNECT_DELAY_MAX", std::int64_t{1}}});
    port = web->listen("127.0.0.1", 0);
    runner = std::thread([this] { ioc.run(); });
    if (!eventually([&] { return mqtt.status().connected; })) throw std::runtime_error("no connection to mosquitto");
  }
  ~served() {
    web->stop();
    runner.join();
  }

  static beast_binding::options open() {
    beast_binding::options o;
    o.bridge.open_access = true;
    return o;
  }

  void publish(const std::string& topic, const std::string& payload) { mqtt.publish(topic, payload); }
};

TEST(BeastBinding, EndpointsFallbackAndLimits) {
  auto o = served::open();
  o.max_request_body = 1000;
  o.fallback = [](const beast_binding::request& req) -> std::optional<beast_binding::response> {
    if (req.target() != "/") return std::nullopt;
    beast_binding::response res{http::status::ok, req.version()};
    res.body() = "the page";
    return res;
  };
  served s(std::move(o));
  auto r = request(s.port, http::verb::get, "/mqtt/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(has(r.body, R"("connected":true)")) << r.body;
  r = request(s.port, http::verb::post, "/mqtt/publish", R"({"topic": "a/b", "message": "hi"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(has(r.body, "MQTT_ERR_SUCCESS")) << r.body;
  // A form post from another site, which needs no preflight.
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/publish", R"({"topic": "a"})", "text/plain").status, 415);
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/publish", std::string(2000, ' ')).status, 413);
  EXPECT_EQ(request(s.port, http::verb::get, "/mqtt/nothing").status, 404);
  EXPECT_EQ(request(s.port, http::verb::get, "/").body, "the page");
  EXPECT_EQ(request(s.port, http::verb::get, "/elsewhere").status, 404);
  EXPECT_EQ(request(s.port, http::verb::get, "/mqtt/ws").status, 400);  // not an upgrade
}

TEST(BeastBinding, SafeByDefaultAndOrigins) {
  beast_binding::options o;  // no rules, no hook, no open access
  o.bridge.allowed_origins = {"http://app.example"};
  served s(std::move(o));
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/publish", R"({"topic": "a"})").status, 403);
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/subscribe", R"({"topic": "#"})").status, 403);
  EXPECT_EQ(request(s.port, http::verb::get, "/mqtt/status", {}, {}, "http://evil.example").status, 403);
  EXPECT_EQ(upgrade_status(s.port, "/mqtt/ws", "http://evil.example"), 403);
  EXPECT_EQ(upgrade_status(s.port, "/mqtt/events", "http://evil.example"), 403);
  ws_client own(s.port, "/mqtt/ws?topic=x", "http://app.example");
  ASSERT_TRUE(own.error.empty()) << own.error;
  own.send(R"({"type": "publish", "id": 1, "topic": "x"})");
  EXPECT_TRUE(has(own.until(R"("id":1)"), R"("status":403)")) << own.seen;
}

TEST(BeastBinding, RulesWithIdentityFromTheRequest) {
  beast_binding::options o;
  o.bridge.rules = {{"users/%u/#", web::access::read_write}};
  o.identify = [](const beast_binding::request& req) { return std::string(req["X-User"]); };
  served s(std::move(o));
  // The WebSocket's identity is its upgrade request's; without one, %u allows nothing.
  EXPECT_EQ(upgrade_status(s.port, "/mqtt/ws?topic=users%2Fann%2F%23"), 403);
  EXPECT_EQ(upgrade_status(s.port, "/mqtt/ws?topic=users%2F%23", {}, "ann"), 403);  // wider than users/ann/#
  EXPECT_EQ(upgrade_status(s.port, "/mqtt/ws?topic=users%2Fann%2F%23", {}, "ann"), 101);
  ws_client ann(s.port, "/mqtt/ws?topic=users%2Fann%2F%23", {}, 0, "ann");
  ASSERT_TRUE(ann.error.empty()) << ann.error;
  ann.send(R"({"type": "publish", "id": 1, "topic": "users/bob/inbox", "message": "x"})");
  EXPECT_TRUE(has(ann.until(R"("id":1)"), R"("status":403)")) << ann.seen;
  ann.send(R"({"type": "publish", "id": 2, "topic": "users/ann/inbox", "message": "x"})");
  EXPECT_TRUE(has(ann.until(R"("id":2)"), R"("status":200)")) << ann.seen;
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/publish", R"({"topic": "users/ann/x"})", "application/json", {},
                    "ann").status,
            200);
  EXPECT_EQ(request(s.port, http::verb::post, "/mqtt/publish", R"({"topic": "users/ann/x"})", "application/json", {},
                    "bob").status,
            403);
}

TEST(BeastBinding, EventStreamDeliversAndEndsWithItsClient) {
  served s;
  {
    sse_client sse(s.port, "/mqtt/events?topic=feed%2F%23");
    ASSERT_TRUE(sse.until(": tern event stream")) << sse.text;
    EXPECT_TRUE(has(sse.text, "Content-Type: text/event-stream")) << sse.text;
    EXPECT_TRUE(has(sse.text, "Transfer-Encoding: chunked")) << sse.text;
    ASSERT_TRUE(s.broker.wait_log("feed/#", 5s));  // the stream subscribed what it shows
    s.publish("feed/1", "one");
    EXPECT_TRUE(sse.until(R"(data: {"topic":"feed/1","payload":"one")")) << sse.text;
    EXPECT_EQ(s.web->stats().open_streams, 1u);
  }
  // The client went: the stream ends at once, not at the next keep-alive.
  EXPECT_TRUE(eventually([&] { return s.web->stats().open_streams == 0; }, 2s));
}

TEST(BeastBinding, WebSocketBothWays) {
  served s;
  ws_client c(s.port, "/mqtt/ws?topic=room%2F%23");
  ASSERT_TRUE(c.error.empty()) << c.error;
  EXPECT_TRUE(has(c.until(R"({"type":"ready"})"), "ready"));
  ASSERT_TRUE(s.broker.wait_log("room/#", 5s));
  c.send(R"({"type": "publish", "id": 1, "topic": "room/a", "message": "hello", "qos": 1})");
  auto seen = c.until(R"("payload":"hello")");
  EXPECT_TRUE(has(seen, R"({"type":"reply","id":1,"status":200,"result":0,"result_name":"MQTT_ERR_SUCCESS")")) << seen;
  EXPECT_TRUE(has(seen, R"({"type":"message","topic":"room/a","payload":"hello","encoding":"utf-8","qos":0)")) << seen;
  c.send(R"({"type": "subscribe", "id": "s", "topic": "app/#", "qos": 1})");
  EXPECT_TRUE(has(c.until(R"("id":"s")"), R"("id":"s","status":200)")) << c.seen;
  EXPECT_TRUE(s.mqtt.topics().contains("app/#"));
  c.send(R"({"type": "watch", "id": 2, "topic": "app/#"})");
  EXPECT_TRUE(has(c.until(R"("id":2)"), R"("watching":true)")) << c.seen;
  s.publish("app/x", "y");
  EXPECT_TRUE(has(c.until(R"("topic":"app/x")"), R"("payload":"y")"));
  EXPECT_EQ(s.web->stats().open_sockets, 1u);
}

TEST(BeastBinding, BadFramesAndBadJsonNeverHarmOthers) {
  auto o = served::open();
  o.bridge.max_socket_message = 4096;
  served s(std::move(o));
  ws_client bystander(s.port, "/mqtt/ws?topic=t");
  ASSERT_TRUE(bystander.error.empty());
  bystander.until("ready");

  ws_client c(s.port);
  c.until("ready");
  c.send("{not json");
  EXPECT_TRUE(has(c.until("error"), R"("type":"error","error":"malformed JSON)")) << c.seen;
  c.send(R"({"type": "teleport", "id": 5})");
  EXPECT_TRUE(has(c.until(R"("id":5)"), "unknown request type 'teleport'")) << c.seen;
  c.send(R"({"type": "publish", "id": 6, "topic": "t", "qos": "high"})");
  EXPECT_TRUE(has(c.until(R"("id":6)"), R"("status":400)")) << c.seen;
  EXPECT_FALSE(c.closed);  // still open after each

  ws_client binary(s.port);
  binary.until("ready");
  binary.send_binary("\x01\x02\x03");
  binary.until("never");
  EXPECT_TRUE(binary.closed);
  EXPECT_EQ(binary.close_code, 1003) << binary.close_reason;

  ws_client big(s.port);
  big.until("ready");
  big.send("{\"type\": \"publish\", \"topic\": \"t\", \"message\": \"" + std::string(8000, 'x') + "\"}");
  big.until("never");
  EXPECT_TRUE(big.closed);
  EXPECT_EQ(big.close_code, 1009);

  ws_client not_utf8(s.port);
  not_utf8.until("ready");
  not_utf8.send("{\"type\": \"publish\", \"topic\": \"t\xff\xfe\"}");
  not_utf8.until("never");
  EXPECT_TRUE(not_utf8.closed);
  EXPECT_EQ(not_utf8.close_code, 1007);

  // A raw client that sends a frame header promising 2^62 bytes.
  {
    net::io_context ioc;
    tcp::socket raw(ioc);
    raw.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port));
    std::string up =
        "GET /mqtt/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    net::write(raw, net::buffer(up));
    const unsigned char frame[] = {0x81, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    net::write(raw, net::buffer(frame));
    // The upgrade's answer, the `ready` frame, then a close frame (0x88)
    // with code 1009: the server does not wait for 2^62 bytes. (It would
    // wait for our close reply, up to its idle timeout; we stop reading at
    // its close frame.) Server frames are unmasked, short here.
    std::string got;
    char buf[512];
    beast::error_code ec;
    int close_code = -1;
    while (!ec && close_code < 0) {
      got.append(buf, raw.read_some(net::buffer(buf), ec));
      auto at = got.find("\r\n\r\n");
      if (at == std::string::npos) continue;
      for (at += 4; at + 2 <= got.size();) {
        auto len = static_cast<std::size_t>(static_cast<unsigned char>(got[at + 1]) & 0x7F);
        if (at + 2 + len > got.size()) break;
        if (static_cast<unsigned char>(got[at]) == 0x88 && len >= 2)
          close_code = (static_cast<unsigned char>(got[at + 2]) << 8) | static_cast<unsigned char>(got[at + 3]);
        at += 2 + len;
      }
    }
    EXPECT_TRUE(has(got, "101 Switching Protocols"));
    EXPECT_EQ(close_code, 1009);
  }

  // The bystander saw none of it, and still gets its messages.
  s.publish("t", "fine");
  EXPECT_TRUE(has(bystander.until(R"("payload":"fine")"), "fine")) << bystander.seen;
  EXPECT_FALSE(bystander.closed);
}

TEST(BeastBinding, AClientThatNeverReadsIsToldAndOthersAreUnaffected) {
  auto o = served::open();
  o.bridge.stream_queue_size = 16;
  served s(std::move(o));
  ws_client stuck(s.port, "/mqtt/ws?topic=flood", {}, 4096);
  ws_client reader(s.port, "/mqtt/ws?topic=flood");
  stuck.until("ready");
  reader.until("ready");
  ASSERT_TRUE(s.broker.wait_log("flood", 5s));
  const int count = 3000;
  std::string payload(1000, 'p');
  // Paced (3,000 a second): the reader keeps up; the stuck socket's queue
  // of 16 fills within the first 100 ms once its kernel buffers are full.
  std::thread publisher([&] {
    for (int i = 0; i < count; ++i) {
      s.publish("flood", payload + std::to_string(i));
      if (i % 3 == 2) std::this_thread::sleep_for(1ms);
    }
  });
  // The reader keeps up and gets every message.
  int got = 0;
  auto last = "p" + std::to_string(count - 1) + "\"";
  auto end = std::chrono::steady_clock::now() + 20s;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < end) {
    auto evs = reader.events(2s);
    if (!evs) break;
    for (auto& e : *evs) {
      if (has(e, R"("type":"message")")) ++got;
      if (has(e, last)) done = true;
      EXPECT_FALSE(has(e, "dropped")) << e;
    }
  }
  publisher.join();
  EXPECT_EQ(got, count);
  EXPECT_GT(s.web->stats().dropped, 0u);
  // The stuck one reads at last: what fitted, then the notice.
  auto seen = stuck.until(R"("type":"dropped")", 10s);
  EXPECT_TRUE(has(seen, R"({"type":"dropped","dropped":)")) << seen.substr(0, 200);
}

TEST(BeastBinding, AThousandClientsVanishMidStream) {
  // Two sockets per client in this process (its end and the server's).
  rlimit fds{};
  getrlimit(RLIMIT_NOFILE, &fds);
  fds.rlim_cur = fds.rlim_max;
  setrlimit(RLIMIT_NOFILE, &fds);
  const int clients = static_cast<int>(std::min<rlim_t>(1000, (fds.rlim_cur - 200) / 2));
  ASSERT_GE(clients, 400) << "the open-file limit is too low for this test";

  served s;
  int threads = thread_count(), files = open_files();
  std::atomic<bool> publishing{true};
  std::thread publisher([&] {
    for (int i = 0; publishing; ++i) {
      s.publish("live/x", "tick " + std::to_string(i));
      std::this_thread::sleep_for(5ms);  // 200 a second, to each of up to 1,000 clients
    }
  });
  auto round = [&] {
    std::vector<std::unique_ptr<ws_client>> sockets;
    std::vector<std::unique_ptr<sse_client>> streams;
    for (int i = 0; i < clients; ++i) {
      if (i % 2) sockets.push_back(std::make_unique<ws_client>(s.port, "/mqtt/ws?topic=live%2F%23"));
      else streams.push_back(std::make_unique<sse_client>(s.port, "/mqtt/events?topic=live%2F%23"));
    }
    EXPECT_TRUE(eventually([&] {
      auto st = s.web->stats();
      return static_cast<int>(st.open_sockets + st.open_streams) == clients;
    }, 20s));
    // Mid-stream: each has a message, then every client drops its socket
    // without a close handshake (a reset for half of them).
    for (auto& c : sockets) c->until("tick");
    for (auto& c : streams) c->until("tick");
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (i % 2) sockets[i]->socket().set_option(net::socket_base::linger(true, 0));
      sockets[i]->socket().close();
    }
    for (auto& c : streams) c->socket().close();
    sockets.clear();
    streams.clear();
    EXPECT_TRUE(eventually([&] {
      auto st = s.web->stats();
      return st.open_sockets == 0 && st.open_streams == 0;
    }, 20s)) << s.web->stats().open_sockets << " sockets, " << s.web->stats().open_streams << " streams left";
  };
  round();  // warms the allocator up
  long baseline = rss_kib();
  round();
  round();
  publishing = false;
  publisher.join();
  EXPECT_EQ(thread_count(), threads);  // no thread per connection, none left behind
  EXPECT_TRUE(eventually([&] { return open_files() == files; }, 5s))  // every server-side socket closed
      << open_files() << " open files, " << files << " before";
  // Two more rounds of 1000 connections cost no memory that stays. (Not
  // under AddressSanitizer, whose quarantine holds freed memory on purpose.)
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(rss_kib() - baseline, 8 * 1024) << "RSS " << baseline << " KiB -> " << rss_kib() << " KiB";
#else
  (void)baseline;
#endif
}

TEST(BeastBinding, BrokerRestartUnderOpenStreams) {
  served s;
  sse_client sse(s.port, "/mqtt/events?topic=home%2F%23");
  ws_client ws(s.port, "/mqtt/ws?topic=home%2F%23");
  ASSERT_TRUE(sse.until("tern event stream"));
  ws.until("ready");
  ASSERT_TRUE(s.broker.wait_log("home/#", 5s));
  ASSERT_TRUE(s.broker.restart());
  ASSERT_TRUE(eventually([&] { return s.mqtt.status().connected && s.mqtt.status().reconnects >= 1; }, 20s));
  // The streams stayed open, and their subscriptions came back with the
  // connection: published until the first arrives (QoS 0 before the
  // SUBSCRIBE is renewed is lost, as it should be).
  bool arrived = false;
  for (int i = 0; i < 50 && !arrived; ++i) {
    s.publish("home/door", "open");
    arrived = sse.until(R"("topic":"home/door")", 200ms);
  }
  EXPECT_TRUE(arrived) << sse.text;
  EXPECT_TRUE(has(ws.until(R"("topic":"home/door")", 10s), "home/door")) << ws.seen;
  EXPECT_FALSE(sse.ended);
  EXPECT_FALSE(ws.closed);
}

TEST(BeastBinding, StopEndsStreamsAndSocketsCleanly) {
  auto s = std::make_unique<served>();
  sse_client sse(s->port, "/mqtt/events");
  ws_client ws(s->port, "/mqtt/ws");
  ASSERT_TRUE(sse.until("tern event stream"));
  ws.until("ready");
  s->web->stop();
  EXPECT_TRUE(sse.until("0\r\n\r\n"));  // the end of the chunked body
  ws.until("never");
  EXPECT_TRUE(ws.closed);
  EXPECT_EQ(ws.close_code, 1001);
  s->runner.join();  // ioc.run() returned: nothing of the binding is left on it
  s->runner = std::thread([] {});
}

}  // namespace
}  // namespace tern::beast_test::binding_test
