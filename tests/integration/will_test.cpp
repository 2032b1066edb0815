// The Will: published by the broker when the connection ends without
// DISCONNECT [MQTT-3.1.2-8], and discarded after a DISCONNECT [MQTT-3.14.4-3].

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"

namespace tern::test::will_test {
namespace {

class Will : public broker_suite<Will> {
 protected:
  static void SetUpTestSuite() { start_broker({}); }
};

TEST_F(Will, PublishedWhenTheSocketIsCut) {
  test_client watcher(make_options(broker_->url(), "will-watcher-cut"));
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("will/cut", qos::at_least_once));

  process helper;
  auto exe = tool_path("TERN_WILL_CLIENT", "will_client");
  ASSERT_TRUE(helper.spawn({{exe, broker_->url(), "will-client-cut", "will/cut", "gone", "1"},
                            broker_->dir() / "will_client.out",
                            broker_->dir() / "will_client.err",
                            {}}))
      << helper.error();
  ASSERT_TRUE(poll_until(10s, [&] { return helper.out().find("connected") != std::string::npos || !helper.running(); }));
  ASSERT_TRUE(helper.running()) << "will_client exited: " << helper.err();
  // Connected and idle: nothing published yet.
  EXPECT_FALSE(watcher.wait_for(300ms, [&] { return !watcher.messages.empty(); }));

  helper.kill(SIGKILL);  // the kernel closes the socket: no DISCONNECT
  ASSERT_TRUE(watcher.wait_messages(1, 10s)) << "the Will was not published [MQTT-3.1.2-8]";
  auto l = watcher.lock();
  EXPECT_EQ(watcher.messages[0].topic, "will/cut");
  EXPECT_EQ(watcher.messages[0].payload, "gone");
  EXPECT_EQ(watcher.messages[0].qos, qos::at_least_once);
}

TEST_F(Will, NotPublishedAfterACleanDisconnect) {
  test_client watcher(make_options(broker_->url(), "will-watcher-clean"));
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("will/clean/#", qos::at_least_once));

  // disconnect(): DISCONNECT, then close.
  {
    auto o = make_options(broker_->url(), "will-client-clean");
    tern::will w;
    w.topic = "will/clean/disconnect";
    auto b = as_bytes(std::string_view("should not appear"));
    w.payload.assign(b.begin(), b.end());
    w.qos = qos::at_least_once;
    o.connect.will = w;
    test_client c(o);
    ASSERT_TRUE(c.connect());
    ASSERT_TRUE(c.disconnect());
    // mosquitto logs "Client <id> disconnected." only for a DISCONNECT packet
    // ("closed its connection" for a bare close).
    ASSERT_TRUE(broker_->wait_log("Client will-client-clean disconnected.", 5s)) << broker_->log();
  }
  // stop() also disconnects cleanly.
  {
    auto o = make_options(broker_->url(), "will-client-stop");
    tern::will w;
    w.topic = "will/clean/stop";
    auto b = as_bytes(std::string_view("should not appear"));
    w.payload.assign(b.begin(), b.end());
    w.qos = qos::at_least_once;
    o.connect.will = w;
    test_client c(o);
    ASSERT_TRUE(c.connect());
    c->stop();
  }
  ASSERT_TRUE(broker_->wait_log("Client will-client-stop disconnected.", 5s)) << broker_->log();
  EXPECT_FALSE(watcher.wait_for(1500ms, [&] { return !watcher.messages.empty(); }))
      << "a Will was published after DISCONNECT [MQTT-3.14.4-3]: " << [&] {
           auto l = watcher.lock();
           return watcher.messages.empty() ? std::string() : watcher.messages[0].topic;
         }();
}

}  // namespace
}  // namespace tern::test::will_test
