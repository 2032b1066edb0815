// The cpp-httplib binding against a private mosquitto: a real httplib::Server
// on a free 127.0.0.1 port, driven with httplib::Client.

#include "tern/httplib/binding.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "broker.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace binding_test {
namespace {

using namespace std::chrono_literals;
using tern::test::poll_until;

/// Reads an event stream on its own thread; `text()` is what arrived so far.
class sse_reader {
 public:
  sse_reader(int port, std::string path) : cli_("127.0.0.1", port) {
    cli_.set_read_timeout(30, 0);
    thread_ = std::thread([this, path = std::move(path)] {
      auto r = cli_.Get(
          path,
          [this](const httplib::Response& res) {
            std::lock_guard lock(m_);
            status_ = res.status;
            content_type_ = res.get_header_value("Content-Type");
            return true;
          },
          [this](const char* data, std::size_t n) {
            std::lock_guard lock(m_);
            text_.append(data, n);
            return !abort_;
          });
      std::lock_guard lock(m_);
      ended_ = true;
      ended_ok_ = static_cast<bool>(r);
    });
  }
  ~sse_reader() {
    {
      std::lock_guard lock(m_);
      abort_ = true;
    }
    cli_.stop();
    thread_.join();
  }
  std::string text() {
    std::lock_guard lock(m_);
    return text_;
  }
  int status() {
    std::lock_guard lock(m_);
    return status_;
  }
  std::string content_type() {
    std::lock_guard lock(m_);
    return content_type_;
  }
  bool ended() {
    std::lock_guard lock(m_);
    return ended_;
  }
  bool ended_ok() {
    std::lock_guard lock(m_);
    return ended_ok_;
  }
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    return poll_until(timeout, [&] { return text().find(needle) != std::string::npos; });
  }

 private:
  httplib::Client cli_;
  std::mutex m_;
  std::string text_, content_type_;
  int status_ = -1;
  bool abort_ = false, ended_ = false, ended_ok_ = false;
  std::thread thread_;
};

/// A bare TCP client that sends one GET and reads what comes back, so that a
/// test can drop the connection the way a browser closing its tab does:
/// close() with no further bytes (httplib::Client cannot be cut that way).
class raw_stream {
 public:
  raw_stream(int port, const std::string& path) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    connected_ = ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  }
  ~raw_stream() { close(); }
  raw_stream(const raw_stream&) = delete;
  raw_stream& operator=(const raw_stream&) = delete;

  bool connected() const { return connected_; }
  /// Reads until `needle` has arrived, at most `timeout`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (text_.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& text() const { return text_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string text_;
};

// The endpoints open to anyone who reaches the port, as the demo runs them.
tern::httplib_binding::options open_access() {
  tern::httplib_binding::options o;
  o.bridge.open_access = true;
  return o;
}

class httplib_binding : public ::testing::Test {
 protected:
  void SetUp() override { start(open_access()); }

  void start(tern::httplib_binding::options opts) {
    ASSERT_TRUE(broker_.start());
    binding_ = std::make_unique<tern::httplib_binding::binding>(server_, mqtt_, opts);
    tern::web::config_map cfg{{"MQTT_BROKER_URL", "127.0.0.1"},
                              {"MQTT_BROKER_PORT", static_cast<std::int64_t>(broker_.port())}};
    binding_->start(cfg);
    ASSERT_TRUE(mqtt_.status().connected);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    listener_ = std::thread([this] { binding_->listen_after_bind(); });
    ASSERT_TRUE(poll_until(5s, [&] { return server_.is_running(); }));
  }

  void TearDown() override {
    if (binding_) binding_->stop();
    if (listener_.joinable()) listener_.join();
  }

  httplib::Result post(const std::string& path, const std::string& body) {
    httplib::Client cli("127.0.0.1", port_);
    return cli.Post(path, body, "application/json");
  }
  httplib::Result get(const std::string& path) {
    httplib::Client cli("127.0.0.1", port_);
    return cli.Get(path);
  }

  tern::test::broker broker_{tern::test::broker_config{}};
  tern::web::mqtt mqtt_;
  httplib::Server server_;
  std::unique_ptr<tern::httplib_binding::binding> binding_;
  std::thread listener_;
  int port_ = 0;
};

TEST_F(httplib_binding, PublishAnswersResultAndMid) {
  auto r = post("/mqtt/publish", R"({"topic": "tern/http/pub", "message": "hello", "qos": 1, "retain": false})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(r->body.find(R"("result":0)"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("result_name":"MQTT_ERR_SUCCESS")"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find(R"("mid":0)"), std::string::npos) << "QoS 1 has a packet id: " << r->body;

  // A number becomes its decimal text; no message: an empty payload.
  r = post("/mqtt/publish", R"({"topic": "tern/http/pub", "message": 42})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = post("/mqtt/publish", R"({"topic": "tern/http/pub"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(httplib_binding, BadRequestsAre400WithAJsonErrorNamingTheProblem) {
  struct bad_case {
    const char* path;
    const char* body;
    const char* error;  // a part of the error text
  };
  const bad_case cases[] = {
      {"/mqtt/publish", R"({"topic": "a",)", "malformed JSON"},
      {"/mqtt/publish", "not json", "must be a JSON object"},
      {"/mqtt/publish", R"(["a"])", "must be a JSON object"},
      {"/mqtt/publish", R"({"message": "x"})", "missing field 'topic'"},
      {"/mqtt/publish", R"({"topic": "a/+", "message": "x"})", "invalid topic 'a/+'"},
      {"/mqtt/publish", R"({"topic": "a/#"})", "invalid topic 'a/#'"},
      {"/mqtt/publish", R"({"topic": ""})", "invalid topic ''"},
      {"/mqtt/publish", R"({"topic": 7})", "field 'topic' must be a string"},
      {"/mqtt/publish", R"({"topic": "a", "qos": 3})", "field 'qos' must be 0, 1 or 2"},
      {"/mqtt/publish", R"({"topic": "a", "qos": "1"})", "field 'qos'"},
      {"/mqtt/publish", R"({"topic": "a", "retain": "yes"})", "field 'retain' must be true or false"},
      {"/mqtt/publish", R"({"topic": "a", "message": ["x"]})", "field 'message' must be a string or a number"},
      {"/mqtt/publish", R"({"topic": "a", "mesage": "x"})", "unknown field 'mesage'"},
      {"/mqtt/publish", R"({"topic": "a", "message": "!!", "encoding": "base64"})", "not valid base64"},
      {"/mqtt/subscribe", R"({"topic": "a#"})", "invalid topic filter 'a#'"},
      {"/mqtt/subscribe", R"({"qos": 1})", "missing field 'topic'"},
      {"/mqtt/unsubscribe", R"({})", "missing field 'topic'"},
      {"/mqtt/unsubscribe_all", R"({"topic": "a"})", "unknown field 'topic'"},
  };
  for (const auto& c : cases) {
    auto r = post(c.path, c.body);
    ASSERT_TRUE(r) << c.path << " " << c.body;
    EXPECT_EQ(r->status, 400) << c.path << " " << c.body << " -> " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << c.body;
    EXPECT_EQ(r->body.rfind(R"({"error":")", 0), 0u) << r->body;
    EXPECT_NE(r->body.find(c.error), std::string::npos) << c.body << " -> " << r->body;
  }
  auto r = get("/mqtt/events?topic=a%23");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("invalid topic filter 'a#'"), std::string::npos) << r->body;
}

TEST_F(httplib_binding, StreamReceivesMatchingMessagesAsServerSentEvents) {
  auto r = post("/mqtt/subscribe", R"({"topic": "dash/#", "qos": 1})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(broker_.wait_log("dash/#", 5s)) << broker_.log();

  sse_reader sse(port_, "/mqtt/events?topic=dash/%2B/x");
  ASSERT_TRUE(sse.wait_for(": tern event stream", 5s)) << sse.text();
  EXPECT_EQ(sse.status(), 200);
  EXPECT_EQ(sse.content_type(), "text/event-stream");

  mqtt_.publish("dash/other", "not for this stream", 1);  // matches dash/# but not dash/+/x
  mqtt_.publish("dash/a/x", "hello \"web\"", 1);
  mqtt_.publish("dash/b/x", std::string("\xff\x00\x01", 3), 1);  // not UTF-8: base64
  ASSERT_TRUE(sse.wait_for("dash/b/x", 5s)) << sse.text();
  auto text = sse.text();
  EXPECT_NE(text.find(
                R"(data: {"topic":"dash/a/x","payload":"hello \"web\"","encoding":"utf-8","qos":1,"retain":false})"
                "\n\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(data: {"topic":"dash/b/x","payload":"/wAB","encoding":"base64","qos":1,"retain":false})"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("dash/other"), std::string::npos) << text;

  // A message published over HTTP comes back through the stream too.
  r = post("/mqtt/publish", R"({"topic": "dash/c/x", "message": "via http", "qos": 1})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(sse.wait_for(R"("payload":"via http")", 5s)) << sse.text();
  // Bytes in base64 both ways.
  r = post("/mqtt/publish", R"({"topic": "dash/d/x", "message": "/wAB", "encoding": "base64"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(sse.wait_for(R"({"topic":"dash/d/x","payload":"/wAB","encoding":"base64")", 5s)) << sse.text();
  EXPECT_EQ(binding_->stats().open_streams, 1u);

  // stop() ends the stream cleanly and at once.
  auto t0 = std::chrono::steady_clock::now();
  binding_->stop();
  EXPECT_TRUE(poll_until(2s, [&] { return sse.ended(); }));
  EXPECT_TRUE(sse.ended_ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(httplib_binding, StatusSubscribeAndUnsubscribe) {
  ASSERT_EQ(post("/mqtt/subscribe", R"({"topic": "s/1"})")->status, 200);
  ASSERT_EQ(post("/mqtt/subscribe", R"({"topic": "s/2", "qos": 2})")->status, 200);
  auto r = get("/mqtt/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(r->body.find(R"("connected":true)"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("last_connack_code":0)"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("topics":[{"topic":"s/1","qos":0},{"topic":"s/2","qos":2}])"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find(R"("streams":{"open":0)"), std::string::npos) << r->body;

  r = post("/mqtt/unsubscribe", R"({"topic": "s/1"})");
  EXPECT_EQ(r->status, 200) << r->body;
  r = post("/mqtt/unsubscribe", R"({"topic": "s/1"})");
  EXPECT_EQ(r->status, 404) << r->body;
  EXPECT_NE(r->body.find("MQTT_ERR_NOT_FOUND"), std::string::npos) << r->body;
  r = post("/mqtt/unsubscribe_all", "{}");
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, R"({"ok":true,"topics":["s/2"]})");
  EXPECT_TRUE(mqtt_.topics().empty());
}

TEST_F(httplib_binding, StreamsBeyondTheLimitAre503) {
  sse_reader first(port_, "/mqtt/events");
  ASSERT_TRUE(first.wait_for(": tern event stream", 5s));
  std::vector<std::unique_ptr<sse_reader>> more;
  for (int i = 1; i < 4; ++i) more.push_back(std::make_unique<sse_reader>(port_, "/mqtt/events"));
  for (auto& s : more) ASSERT_TRUE(s->wait_for(": tern event stream", 5s));
  auto r = get("/mqtt/events");  // the fifth (options::max_streams is 4)
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("too many event streams"), std::string::npos) << r->body;
  // The other endpoints still answer.
  EXPECT_EQ(get("/mqtt/status")->status, 200);
}

// A closed browser tab: the client closes its socket and sends nothing more.
// Its stream must give back its server thread and its max_streams slot long
// before the next keep-alive (15 s by default) would have found the socket
// dead, so that closed tabs cannot starve the server.
TEST_F(httplib_binding, ClosedClientReleasesItsStreamPromptly) {
  std::vector<std::unique_ptr<raw_stream>> tabs;
  for (int i = 0; i < 4; ++i) {  // every slot (options::max_streams is 4)
    tabs.push_back(std::make_unique<raw_stream>(port_, "/mqtt/events?topic=gone/%23"));
    ASSERT_TRUE(tabs.back()->connected());
    ASSERT_TRUE(tabs.back()->wait_for(": tern event stream", 5s)) << tabs.back()->text();
    EXPECT_EQ(tabs.back()->text().rfind("HTTP/1.1 200", 0), 0u) << tabs.back()->text();
  }
  EXPECT_EQ(binding_->stats().open_streams, 4u);
  EXPECT_EQ(get("/mqtt/events")->status, 503) << "all slots are taken";

  for (auto& t : tabs) t->close();
  EXPECT_TRUE(poll_until(5s, [&] { return binding_->stats().open_streams == 0; }))
      << binding_->stats().open_streams << " streams still open 5 s after their clients closed";
  // The slots are free again: a new stream is served, not refused.
  sse_reader again(port_, "/mqtt/events");
  EXPECT_TRUE(again.wait_for(": tern event stream", 5s)) << again.text();
  EXPECT_EQ(again.status(), 200);
  EXPECT_EQ(binding_->stats().streams_served, 5u);
}

class httplib_binding_small_queue : public httplib_binding {
 protected:
  void SetUp() override {
    auto o = open_access();
    o.bridge.stream_queue_size = 2;
    o.prefix = "/api/mqtt/";  // a trailing '/' is dropped
    start(o);
  }
};

TEST_F(httplib_binding_small_queue, PrefixAndDropsAreCounted) {
  ASSERT_EQ(post("/api/mqtt/subscribe", R"({"topic": "burst"})")->status, 200);
  ASSERT_TRUE(broker_.wait_log("burst", 5s));
  sse_reader sse(port_, "/api/mqtt/events?topic=burst");
  ASSERT_TRUE(sse.wait_for(": tern event stream", 5s));
  // The stream's queue holds 2: a burst of 2000 overflows it (drop-newest).
  // Every message is either written or counted as dropped, and the client is
  // told about drops in a `dropped` event.
  for (int i = 0; i < 2000; ++i) mqtt_.publish("burst", std::to_string(i));
  ASSERT_TRUE(poll_until(10s, [&] { return mqtt_.status().messages_in >= 2000; }));
  EXPECT_TRUE(poll_until(5s, [&] { return binding_->stats().events_sent + binding_->stats().dropped == 2000; }))
      << binding_->stats().events_sent << " + " << binding_->stats().dropped;
  if (binding_->stats().dropped > 0) {
    EXPECT_TRUE(sse.wait_for("event: dropped\ndata: {\"dropped\":", 5s)) << sse.text().substr(0, 500);
  }
  auto r = get("/api/mqtt/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(get("/mqtt/status")->status, 404);
}

// Safe by default: without rules, a hook or open access, nothing that acts on
// the broker connection is served; the identity comes from the application.
class httplib_binding_guarded : public httplib_binding {
 protected:
  void SetUp() override {
    tern::httplib_binding::options o;
    o.bridge.rules = {{"users/%u/#", tern::web::access::read_write}};
    o.bridge.allowed_origins = {"https://app.example"};
    o.identify = [](const httplib::Request& req) { return req.get_header_value("X-User"); };
    start(o);
  }
  httplib::Result post_as(const std::string& user, const std::string& path, const std::string& body,
                          const std::string& content_type = "application/json", const std::string& origin = "") {
    httplib::Client cli("127.0.0.1", port_);
    httplib::Headers h{{"X-User", user}};
    if (!origin.empty()) h.emplace("Origin", origin);
    return cli.Post(path, h, body, content_type);
  }
};

TEST_F(httplib_binding_guarded, RulesDecideWithTheIdentityTheApplicationGives) {
  auto r = post_as("ann", "/mqtt/publish", R"({"topic": "users/ann/out", "message": "x"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = post_as("ann", "/mqtt/publish", R"({"topic": "users/bob/out", "message": "x"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("no rule allows 'ann' to publish to 'users/bob/out'"), std::string::npos) << r->body;
  r = post_as("", "/mqtt/subscribe", R"({"topic": "users/ann/#"})");  // anonymous: %u rules never apply
  EXPECT_EQ(r->status, 403) << r->body;
  // A cross-site form post (text/plain needs no preflight) is refused.
  r = post_as("ann", "/mqtt/publish", R"({"topic": "users/ann/out"})", "text/plain");
  EXPECT_EQ(r->status, 415) << r->body;
  // Another site's page: refused whatever the user may do.
  r = post_as("ann", "/mqtt/publish", R"({"topic": "users/ann/out"})", "application/json", "https://evil.example");
  EXPECT_EQ(r->status, 403) << r->body;
  r = post_as("ann", "/mqtt/publish", R"({"topic": "users/ann/out"})", "application/json", "https://app.example");
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST(httplib_binding_default, WithoutRulesNothingThatActsOnTheBrokerIsServed) {
  tern::test::broker broker{tern::test::broker_config{}};
  ASSERT_TRUE(broker.start());
  tern::web::mqtt mqtt;
  httplib::Server server;
  tern::httplib_binding::binding b(server, mqtt);
  b.start(tern::web::config_map{{"MQTT_BROKER_URL", "127.0.0.1"},
                                {"MQTT_BROKER_PORT", static_cast<std::int64_t>(broker.port())}});
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { b.listen_after_bind(); });
  ASSERT_TRUE(poll_until(5s, [&] { return server.is_running(); }));
  httplib::Client cli("127.0.0.1", port);
  for (const char* path : {"/mqtt/publish", "/mqtt/subscribe", "/mqtt/unsubscribe", "/mqtt/unsubscribe_all"}) {
    auto r = cli.Post(path, R"({"topic": "a"})", "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 403) << path << " " << r->body;
    EXPECT_NE(r->body.find("open access"), std::string::npos) << r->body;
  }
  auto r = cli.Get("/mqtt/status");  // reading is allowed
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(mqtt.topics().empty());
  b.stop();
  listener.join();
}

}  // namespace
}  // namespace binding_test
