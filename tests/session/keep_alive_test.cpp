// Keep-alive [MQTT-3.1.2-23] and the PINGRESP timeout (3.1.2.10, 3.12, 3.13):
// a PINGREQ when nothing was sent, or nothing received, for the interval;
// the link is lost when no packet answers it within half the interval.
#include "harness.hpp"

namespace tern::test::keep_alive_test {
namespace {

class KeepAliveTest : public ::testing::TestWithParam<protocol_version> {
 protected:
  harness h;
  void SetUp() override { h.open(harness::default_options(GetParam())); }
};

TEST_P(KeepAliveTest, PingWhenNothingWasSentForTheInterval) {
  // The CONNECT went out at t=0: the first PINGREQ is due at 60 s, not earlier.
  h.advance(59s);
  h.timer();
  EXPECT_TRUE(h.sent().empty());
  h.advance(1s);
  h.timer();
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  // Now waiting for PINGRESP until 30 s later (the default response timeout).
  EXPECT_EQ(h.s.next_deadline(), h.now + 30s);
  h.advance(1s);
  h.feed(hex("d0 00"));
  EXPECT_TRUE(h.out.empty() || h.count<connection_closed>() == 0);
  EXPECT_EQ(h.s.next_deadline(), h.now + 59s);  // next ping 60 s after the last send
}

TEST_P(KeepAliveTest, SendingResetsTheIntervalReceivingDoesNotPostponeIt) {
  h.advance(30s);
  ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  EXPECT_EQ(h.s.next_deadline(), h.now + 30s);  // nothing received since the CONNACK, at 0
  h.advance(10s);
  h.feed(wire(publish_view{"t", {}, qos::at_most_once}));  // a receive does not postpone the ping sends call for
  EXPECT_EQ(h.s.next_deadline(), h.now + 50s);
  h.advance(50s);
  h.timer();
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
}

TEST_P(KeepAliveTest, SendingWithNothingReceivedStillPings) {
  // A client that keeps publishing QoS 0 into a dead link would otherwise
  // never ping, and never notice.
  for (int i = 0; i < 5; ++i) {
    h.advance(10s);
    h.timer();
    EXPECT_TRUE(h.sent().empty()) << i;
    ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  }
  h.advance(10s);  // 60 s since the CONNACK, the last packet received
  h.timer();
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  // One PINGREQ while it waits for an answer, however much is published.
  h.advance(10s);
  ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  h.timer();
  EXPECT_TRUE(h.sent().empty());
  h.advance(20s);
  h.timer();
  EXPECT_EQ(h.closed(), errc::keep_alive_timeout);  // 30 s after the PINGREQ
}

TEST_P(KeepAliveTest, ADeadLinkIsNoticedWithinOneAndAHalfIntervals) {
  // [MQTT-3.1.2-24] gives a server 1.5 intervals; the client takes no longer
  // after the last packet it received, whatever it sent meanwhile.
  h.advance(20s);
  ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  h.advance(39s);
  h.timer();
  EXPECT_EQ(h.closed(), std::error_code{});
  h.advance(1s);
  h.timer();  // 60 s: nothing received since the CONNACK
  ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  h.advance(30s);
  h.timer();
  EXPECT_EQ(h.closed(), errc::keep_alive_timeout);
}

TEST_P(KeepAliveTest, TimeoutWithoutResponse) {
  h.advance(60s);
  h.timer();
  ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  h.advance(29s);
  h.timer();
  EXPECT_EQ(h.closed(), std::error_code{});
  h.advance(1s);
  h.timer();
  EXPECT_EQ(h.closed(), errc::keep_alive_timeout);
  EXPECT_FALSE(h.s.is_open());
  EXPECT_EQ(h.s.next_deadline(), clock::time_point::max());
}

TEST_P(KeepAliveTest, AnyPacketAnswersThePing) {
  h.advance(60s);
  h.timer();
  h.advance(20s);
  h.feed(wire(publish_view{"t", {}, qos::at_most_once}));
  h.advance(40s);
  h.timer();
  EXPECT_EQ(h.closed(), std::error_code{});
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});  // the next ping, 60 s after the last one
}

INSTANTIATE_TEST_SUITE_P(Versions, KeepAliveTest, ::testing::ValuesIn(both_versions), version_name);

TEST(KeepAlive, ConfigurableResponseTimeout) {
  harness h;
  auto o = harness::default_options();
  o.keep_alive = 10;
  o.response_timeout = 3s;
  h.open(o);
  h.advance(10s);
  h.timer();
  ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  EXPECT_EQ(h.s.next_deadline(), h.now + 3s);
  h.advance(3s);
  h.timer();
  EXPECT_EQ(h.closed(), errc::keep_alive_timeout);
}

TEST(KeepAlive, ZeroDisables) {
  harness h;
  auto o = harness::default_options();
  o.keep_alive = 0;
  ASSERT_FALSE(h.connect(o));
  EXPECT_EQ(h.sent_hex()[0], to_hex(hex("10 0e 00 04 'MQTT' 04 02 00 00 00 02 'c1'")));
  h.feed(hex("20 02 00 00"));
  EXPECT_EQ(h.s.next_deadline(), clock::time_point::max());
  EXPECT_EQ(h.events<arm_timer>().at(0).deadline, clock::time_point::max());
  h.advance(24h);
  h.timer();
  EXPECT_TRUE(h.out.empty());
}

TEST(KeepAlive, EarlyTimerCallsDoNothing) {
  harness h;
  h.open();
  for (int i = 0; i < 5; ++i) {
    h.advance(1s);
    h.timer();
    EXPECT_TRUE(h.out.empty());
  }
}

}  // namespace
}  // namespace tern::test::keep_alive_test
