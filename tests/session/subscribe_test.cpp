// SUBSCRIBE/SUBACK and UNSUBSCRIBE/UNSUBACK (3.8-3.11).
#include "harness.hpp"

namespace tern::test::subscribe_test {
namespace {

class SubscribeTest : public ::testing::TestWithParam<protocol_version> {
 protected:
  harness h;
  void SetUp() override { h.open(harness::default_options(GetParam())); }
};

TEST_P(SubscribeTest, ManyFiltersThenSuback) {
  std::vector<subscribe_entry> f{{"a/b", qos::at_least_once}, {"c/#", qos::exactly_once}};
  auto mid = h.s.subscribe(f, h.now, h.out);
  ASSERT_TRUE(mid);
  // [MQTT-3.8.1-1] 0x82; [MQTT-3.8.3-1] each filter then its requested QoS.
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("82 0e 00 01 00 03 'a/b' 01 00 03 'c/#' 02"))});
  h.feed(hex("90 04 00 01 01 00"));
  auto s = h.events<subscribed>();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].mid, *mid);
  EXPECT_FALSE(s[0].ec);
  EXPECT_EQ(std::vector<std::uint8_t>(s[0].granted.begin(), s[0].granted.end()), (std::vector<std::uint8_t>{1, 0}));
}

TEST_P(SubscribeTest, UnsubscribeThenUnsuback) {
  std::vector<std::string_view> f{"a/b"};
  h.out.clear();
  auto mid = h.s.unsubscribe(f, h.now, h.out);
  ASSERT_TRUE(mid);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("a2 07 00 01 00 03 'a/b'"))});  // [MQTT-3.10.1-1]
  h.feed(hex("b0 02 00 01"));
  ASSERT_EQ(h.count<unsubscribed>(), 1u);
  EXPECT_EQ(h.events<unsubscribed>()[0].mid, *mid);
}

TEST_P(SubscribeTest, SubackWithWrongCountIsAViolation) {
  h.out.clear();
  ASSERT_TRUE(h.s.subscribe("a", qos::at_most_once, h.now, h.out));
  h.feed(hex("90 04 00 01 00 00"));  // [MQTT-3.9.3-1]
  EXPECT_EQ(h.closed(), errc::protocol_violation);
}

TEST_P(SubscribeTest, InvalidFilters) {
  h.out.clear();
  EXPECT_EQ(h.s.subscribe("a/#/b", qos::at_most_once, h.now, h.out).error(), errc::misplaced_hash);
  EXPECT_EQ(h.s.subscribe("a+", qos::at_most_once, h.now, h.out).error(), errc::misplaced_plus);
  EXPECT_EQ(h.s.subscribe("", qos::at_most_once, h.now, h.out).error(), errc::empty_topic);
  EXPECT_EQ(h.s.subscribe("a", static_cast<qos>(3), h.now, h.out).error(), errc::invalid_qos_argument);
  EXPECT_EQ(h.s.subscribe(std::span<const subscribe_entry>{}, h.now, h.out).error(), errc::no_topic_filters);
  EXPECT_EQ(h.s.unsubscribe(std::span<const std::string_view>{}, h.now, h.out).error(), errc::no_topic_filters);
  EXPECT_EQ(h.s.unsubscribe("#/a", h.now, h.out).error(), errc::misplaced_hash);
  EXPECT_TRUE(h.sent().empty());
}

TEST_P(SubscribeTest, PendingRequestsFailWhenTheLinkIsLost) {
  h.out.clear();
  auto sub = h.s.subscribe("a", qos::at_most_once, h.now, h.out);
  auto unsub = h.s.unsubscribe("b", h.now, h.out);
  h.link_lost();
  auto s = h.events<subscribed>();
  auto u = h.events<unsubscribed>();
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(s[0].mid, *sub);
  EXPECT_EQ(s[0].ec, errc::link_lost);
  EXPECT_TRUE(s[0].granted.empty());
  EXPECT_EQ(u[0].mid, *unsub);
  // The ids were freed: the next connection starts again from the pool.
  h.open();
  h.out.clear();
  EXPECT_TRUE(h.s.subscribe("a", qos::at_most_once, h.now, h.out));
}

INSTANTIATE_TEST_SUITE_P(Versions, SubscribeTest, ::testing::ValuesIn(both_versions), version_name);

TEST(Subscribe, SubackFailureCodeV311) {
  harness h;
  h.open();
  h.out.clear();
  ASSERT_TRUE(h.s.subscribe("a", qos::at_least_once, h.now, h.out));
  h.feed(hex("90 03 00 01 80"));
  ASSERT_EQ(h.count<subscribed>(), 1u);
  EXPECT_EQ(h.events<subscribed>()[0].granted[0], suback_failure);
}

TEST(Subscribe, NoFailureCodeInV31) {
  harness h;
  h.open(harness::default_options(protocol_version::v3_1));
  h.out.clear();
  ASSERT_TRUE(h.s.subscribe("a", qos::at_least_once, h.now, h.out));
  h.feed(hex("90 03 00 01 80"));  // MQTT 3.1: a SUBACK has no 0x80
  EXPECT_EQ(h.closed(), errc::invalid_suback_code);
}

TEST(Subscribe, NeedsAConnection) {
  harness h;
  EXPECT_EQ(h.s.subscribe("a", qos::at_most_once, h.now, h.out).error(), errc::not_connected);
  EXPECT_EQ(h.s.unsubscribe("a", h.now, h.out).error(), errc::not_connected);
  ASSERT_FALSE(h.connect());
  EXPECT_EQ(h.s.subscribe("a", qos::at_most_once, h.now, h.out).error(), errc::not_connected);
}

TEST(Subscribe, SharesThePacketIdPoolWithPublish) {
  harness h;
  h.open();
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));  // id 1
  h.out.clear();
  ASSERT_TRUE(h.s.subscribe("a", qos::at_most_once, h.now, h.out));
  EXPECT_EQ(std::get<subscribe_view>(h.sent_packets().at(0)).packet_id, 2);  // [MQTT-2.3.1-2]
}

}  // namespace
}  // namespace tern::test::subscribe_test
