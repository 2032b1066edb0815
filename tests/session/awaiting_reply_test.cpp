// session::awaiting_reply: true exactly while the broker owes the session
// an answer, so that a transport batching its reads knows when not to.
#include "harness.hpp"

namespace tern::test::awaiting_reply_test {
namespace {

class AwaitingReplyTest : public ::testing::TestWithParam<protocol_version> {
 protected:
  harness h;
  void SetUp() override { h.open(harness::default_options(GetParam())); }
  /// A QoS 0 PUBLISH from the broker: a packet that answers nothing.
  void unrelated_packet() { h.feed(wire(publish_view{"t", {}, qos::at_most_once})); }
};

TEST(AwaitingReply, TheConnackIsOwedFromConnectUntilItComes) {
  harness h;
  EXPECT_FALSE(h.s.awaiting_reply());
  ASSERT_FALSE(h.connect());
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(wire(connack_view{false, 0}));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, NothingIsOwedOnceConnected) { EXPECT_FALSE(h.s.awaiting_reply()); }

TEST_P(AwaitingReplyTest, AQos0PublishIsOwedNothing) {
  ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, AQos1PublishIsOwedItsPuback) {
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  EXPECT_TRUE(h.s.awaiting_reply());
  unrelated_packet();
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("40 02 00 01"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, AQos2PublishIsOwedItsPubrecThenItsPubcomp) {
  ASSERT_TRUE(h.publish("t", "x", qos::exactly_once));
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("50 02 00 01"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"62 02 00 01"});  // PUBREL [MQTT-4.3.3-1]
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("70 02 00 01"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, AReceivedQos2MessageIsOwedItsPubrel) {
  h.feed(wire(publish_view{"t", {}, qos::exactly_once, false, false, 7}));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"50 02 00 07"});  // PUBREC [MQTT-4.3.3-2]
  EXPECT_TRUE(h.s.awaiting_reply());
  unrelated_packet();
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("62 02 00 07"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, ASubscribeIsOwedItsSubackAndAnUnsubscribeItsUnsuback) {
  ASSERT_TRUE(h.s.subscribe("a", qos::at_most_once, h.now, h.out));
  EXPECT_TRUE(h.s.awaiting_reply());
  unrelated_packet();
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("90 03 00 01 00"));
  EXPECT_FALSE(h.s.awaiting_reply());
  std::vector<std::string_view> f{"a"};
  ASSERT_TRUE(h.s.unsubscribe(f, h.now, h.out));
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("b0 02 00 02"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, APingreqIsOwedItsPingrespWhateverElseArrives) {
  h.advance(60s);
  h.timer();
  ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"});
  EXPECT_TRUE(h.s.awaiting_reply());
  // Any packet ends the response deadline, but the PINGRESP is still owed.
  unrelated_packet();
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("d0 00"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST(AwaitingReply, TwoPingreqsAreOwedTwoPingresps) {
  // A response timeout longer than the interval lets a second PINGREQ go
  // out before the first is answered.
  harness h;
  auto o = harness::default_options();
  o.keep_alive = 10;
  o.response_timeout = 30s;
  h.open(o);
  for (int i = 0; i < 2; ++i) {
    h.advance(10s);
    h.timer();
    ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"c0 00"}) << i;
  }
  h.feed(hex("d0 00"));
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(hex("d0 00"));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, AMessageSentAgainAfterAReconnectIsOwedItsPuback) {
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  h.link_lost();
  ASSERT_FALSE(h.connect(harness::default_options(GetParam())));
  h.feed(wire(connack_view{false, 0}));
  ASSERT_TRUE(h.s.is_connected());
  auto sent = h.sent_packets();
  ASSERT_EQ(sent.size(), 1u);
  const auto* again = std::get_if<publish_view>(&sent[0]);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(h.s.awaiting_reply());
  h.feed(wire(puback{again->packet_id}));
  EXPECT_FALSE(h.s.awaiting_reply());
}

TEST_P(AwaitingReplyTest, ALostLinkIsOwedNothing) {
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  ASSERT_TRUE(h.s.subscribe("a", qos::at_most_once, h.now, h.out));
  h.advance(60s);
  h.timer();
  ASSERT_TRUE(h.s.awaiting_reply());
  h.link_lost();
  EXPECT_FALSE(h.s.awaiting_reply());
}

INSTANTIATE_TEST_SUITE_P(Versions, AwaitingReplyTest, ::testing::ValuesIn(both_versions), version_name);

}  // namespace
}  // namespace tern::test::awaiting_reply_test
