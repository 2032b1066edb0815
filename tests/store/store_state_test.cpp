// The state a store holds, kept by applying the session's updates.
#include <gtest/gtest.h>

#include "store/store_state.hpp"
#include "store_test_util.hpp"

namespace tern::test::store_state_test {
namespace {

TEST(StoreState, FollowsAMessageThroughItsLife) {
  detail::store_state s;
  ASSERT_TRUE(s.apply(accepted(1, "a/b", "one", qos::exactly_once, true)));
  ASSERT_TRUE(s.apply(accepted(2, "c", "two")));
  EXPECT_EQ(s.records(), 2u);
  ASSERT_TRUE(s.apply(sent(1, 7)));
  ASSERT_TRUE(s.apply(pubrec(1, 7)));
  EXPECT_EQ(s.records(), 4u);
  auto st = s.snapshot();
  ASSERT_EQ(st.messages.size(), 2u);
  EXPECT_EQ(st.messages[0].mid, 1u);
  EXPECT_EQ(st.messages[0].msg.topic, "a/b");
  EXPECT_EQ(text(st.messages[0].msg.payload), "one");
  EXPECT_EQ(st.messages[0].msg.qos, qos::exactly_once);
  EXPECT_TRUE(st.messages[0].msg.retain);
  EXPECT_EQ(st.messages[0].packet_id, 7u);
  EXPECT_TRUE(st.messages[0].pubrec_received);
  EXPECT_EQ(st.messages[1].packet_id, 0u);
  ASSERT_TRUE(s.apply(completed(1, 7)));
  EXPECT_EQ(s.records(), 1u);
  ASSERT_EQ(s.snapshot().messages.size(), 1u);
  EXPECT_EQ(s.snapshot().messages[0].mid, 2u);
}

TEST(StoreState, KeepsTheOrderOfAcceptanceNotOfIds) {
  detail::store_state s;
  ASSERT_TRUE(s.apply(accepted(9, "t", "x")));
  ASSERT_TRUE(s.apply(accepted(3, "t", "y")));
  auto st = s.snapshot();
  EXPECT_EQ(st.messages[0].mid, 9u);
  EXPECT_EQ(st.messages[1].mid, 3u);
}

TEST(StoreState, RequeueDropsPacketIdsAndPubrecs) {
  detail::store_state s;
  ASSERT_TRUE(s.apply(accepted(1, "t", "x", qos::exactly_once)));
  ASSERT_TRUE(s.apply(sent(1, 1)));
  ASSERT_TRUE(s.apply(pubrec(1, 1)));
  ASSERT_TRUE(s.apply(requeued()));
  EXPECT_EQ(s.records(), 1u);
  EXPECT_EQ(s.snapshot().messages[0].packet_id, 0u);
  EXPECT_FALSE(s.snapshot().messages[0].pubrec_received);
}

TEST(StoreState, InboundIds) {
  detail::store_state s;
  ASSERT_TRUE(s.apply(held(5)));
  ASSERT_TRUE(s.apply(held(2)));
  EXPECT_FALSE(s.apply(held(5)));
  EXPECT_EQ(s.snapshot().inbound_qos2, (std::vector<std::uint16_t>{2, 5}));
  ASSERT_TRUE(s.apply(released(5)));
  EXPECT_FALSE(s.apply(released(5)));
  ASSERT_TRUE(s.apply(cleared()));
  EXPECT_TRUE(s.snapshot().inbound_qos2.empty());
  EXPECT_EQ(s.records(), 0u);
}

TEST(StoreState, UpdatesThatDoNotFitChangeNothing) {
  detail::store_state s;
  ASSERT_TRUE(s.apply(accepted(1, "t", "x")));
  EXPECT_FALSE(s.apply(accepted(1, "t", "again")));
  EXPECT_FALSE(s.apply(accepted(0, "t", "x")));
  EXPECT_FALSE(s.apply(accepted(2, "", "x")));
  EXPECT_FALSE(s.apply(accepted(3, "t", "x", qos::at_most_once)));
  EXPECT_FALSE(s.apply(sent(4, 1)));
  EXPECT_FALSE(s.apply(sent(1, 0)));
  EXPECT_FALSE(s.apply(pubrec(1, 1)));  // not sent
  EXPECT_FALSE(s.apply(completed(4)));
  EXPECT_FALSE(s.apply(held(0)));
  EXPECT_FALSE(s.apply(accepted(5, "a/+", "x")));  // not a topic name [MQTT-4.7.1-1]
  ASSERT_TRUE(s.apply(sent(1, 4)));
  EXPECT_FALSE(s.apply(pubrec(1, 4)));  // QoS 1 has no PUBREC
  ASSERT_TRUE(s.apply(accepted(6, "t", "y")));
  EXPECT_FALSE(s.apply(sent(6, 4)));  // id 4 names message 1 [MQTT-2.3.1-2]
  EXPECT_EQ(s.records(), 3u);
  EXPECT_EQ(text(s.snapshot().messages[0].msg.payload), "x");
}

}  // namespace
}  // namespace tern::test::store_state_test
