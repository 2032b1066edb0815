// MQTT over WebSocket (mosquitto's `protocol websockets` listener), plain
// and over TLS [MQTT-6.0.0-1..4]. Skipped only when this mosquitto was built
// without WebSocket support.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "broker.hpp"
#include "harness.hpp"
#include "pki.hpp"

namespace tern::test::websocket_test {
namespace {

class WebSocket : public testing::Test {
 protected:
  // Listeners: 0 ws://, 1 wss:// (the TLS suite's CA and server certificate).
  static void SetUpTestSuite() {
    pki_ = std::make_unique<pki>();
    if (auto r = pki_->generate(); !r) {
      start_error_ = r.message();
      return;
    }
    broker_config cfg;
    listener_config ws;
    ws.protocol = listener_config::kind::websockets;
    listener_config wss = ws;
    wss.cafile = pki_->ca_crt;
    wss.certfile = pki_->server_crt;
    wss.keyfile = pki_->server_key;
    cfg.listeners = {ws, wss};
    broker_ = std::make_unique<broker>(cfg);
    if (auto started = broker_->start(); !started) {
      start_error_ = started.message();
      // Debian's mosquitto may come without libwebsockets: then the
      // listener cannot open and there is nothing to test against.
      no_websockets_ = start_error_.find("Opening websockets listen socket") != std::string::npos;
      broker_.reset();
    }
  }
  static void TearDownTestSuite() {
    broker_.reset();
    pki_.reset();
  }
  void SetUp() override {
    if (no_websockets_)
      GTEST_SKIP() << "this mosquitto cannot open a `protocol websockets` listener (built without libwebsockets); "
                      "set TERN_TEST_VERBOSE=1 for its log"
                   << (std::getenv("TERN_TEST_VERBOSE") ? "\n" + start_error_ : std::string());
    ASSERT_TRUE(broker_) << start_error_;
  }

  static void connect_or_fail(test_client& c, const std::string& url) {
    auto r = c.connect(10s);
    ASSERT_TRUE(r) << url << ": " << r.message() << " (" << c->last_error_detail() << ")";
  }

  static void round_trip(const std::string& url, const std::string& id) {
    auto o = make_options(url, id);
    o.tls.ca_file = pki_->ca_crt;
    o.reconnect.enabled = false;
    test_client c(o);
    connect_or_fail(c, url);
    if (testing::Test::IsSkipped() || testing::Test::HasFatalFailure()) return;
    ASSERT_TRUE(c.subscribe("ws/t", qos::exactly_once));
    // More than one frame's worth (mosquitto sends 4 KiB frames), yet small:
    // mosquitto feeds large messages to WebSocket subscribers slowly.
    std::string big(40'000, 'w');
    ASSERT_TRUE(c.publish("ws/t", "small", qos::at_least_once));
    ASSERT_TRUE(c.publish("ws/t", big, qos::exactly_once));
    ASSERT_TRUE(c.wait_messages(2));
    auto l = c.lock();
    EXPECT_EQ(c.messages[0].payload, "small");
    EXPECT_TRUE(c.messages[1].payload == big);
  }

  static inline std::unique_ptr<pki> pki_;
  static inline std::unique_ptr<broker> broker_;
  static inline std::string start_error_;
  static inline bool no_websockets_ = false;
};

TEST_F(WebSocket, RoundTripOverWs) { round_trip(broker_->url(0), "ws-plain"); }

TEST_F(WebSocket, RoundTripOverWss) { round_trip(broker_->url(1, "localhost"), "ws-tls"); }

}  // namespace
}  // namespace tern::test::websocket_test
