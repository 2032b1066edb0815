// Keep-alive [MQTT-3.1.2-24]: mosquitto drops a client that sends nothing
// for 1.5 x its keep-alive; a tern client with keep-alive 5 s must PINGREQ
// on its own and stay connected through 15 s idle. Slow (15 s).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "broker.hpp"
#include "harness.hpp"

namespace tern::test::keepalive_test {
namespace {

TEST(KeepAlive, StaysConnectedThrough15sIdleWithKeepAlive5s) {
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  auto o = make_options(b.url(), "keepalive-5");
  o.connect.keep_alive = 5;
  o.session.log_mask = 0x1F;  // debug too: the PINGREQ/PINGRESP lines
  test_client c(o);
  ASSERT_TRUE(c.connect());
  ASSERT_TRUE(c.subscribe("keepalive/t", qos::at_least_once));

  std::this_thread::sleep_for(15s);

  EXPECT_TRUE(c->is_connected());
  {
    auto l = c.lock();
    EXPECT_TRUE(c.disconnects.empty()) << "dropped while idle: " << to_string(c.disconnects);
    EXPECT_EQ(c.connects.size(), 1u) << "no reconnection";
  }
  EXPECT_EQ(b.log().find("exceeded timeout"), std::string::npos) << b.log();
  ASSERT_TRUE(c.publish("keepalive/t", "still here", qos::at_least_once));
  ASSERT_TRUE(c.wait_messages(1));
}

}  // namespace
}  // namespace tern::test::keepalive_test
