// Reconnect: the DUP re-send with session present [MQTT-4.4.0-1], and the
// re-publish without it (4.4, 4.6).
#include "harness.hpp"

namespace tern::test::reconnect_test {
namespace {

connect_options persistent() {
  auto o = harness::default_options();
  o.clean_session = false;
  return o;
}

// Three messages in flight: QoS 1 (id 1), QoS 2 after PUBREC (id 2, PUBREL
// pending), QoS 2 before PUBREC (id 3); a fourth waits behind a window of 3.
void prepare(harness& h) {
  h.open(persistent());
  ASSERT_TRUE(h.publish("t", "m1", qos::at_least_once));
  ASSERT_TRUE(h.publish("t", "m2", qos::exactly_once));
  ASSERT_TRUE(h.publish("t", "m3", qos::exactly_once));
  ASSERT_TRUE(h.publish("t", "m4", qos::at_least_once));
  h.feed(hex("50 02 00 02"));
  ASSERT_EQ(h.sent_hex(), std::vector<std::string>{"62 02 00 02"});
  h.link_lost();
  ASSERT_EQ(h.closed(), errc::link_lost);
  ASSERT_EQ(h.s.inflight(), 3u);
  ASSERT_EQ(h.s.queued(), 1u);
}

session_options window3() {
  session_options so;
  so.max_inflight = 3;
  return so;
}

TEST(Reconnect, SessionPresentResendsWithDupInOriginalOrder) {
  harness h(window3());
  prepare(h);
  ASSERT_FALSE(h.connect(persistent()));
  EXPECT_EQ(h.sent().size(), 1u);  // CONNECT only
  EXPECT_EQ(std::get<connect_view>(h.sent_packets()[0]).clean_session, false);
  h.feed(hex("20 02 01 00"));
  ASSERT_EQ(h.count<connected>(), 1u);
  EXPECT_TRUE(h.events<connected>()[0].session_present);
  // [MQTT-4.4.0-1], [MQTT-3.3.1-1], [MQTT-4.6.0-1]: same ids, DUP set (0x3a = QoS 1 + DUP,
  // 0x3c = QoS 2 + DUP), the pending PUBREL in its place, and nothing new before them.
  EXPECT_EQ(h.sent_hex(), (std::vector<std::string>{
                              to_hex(hex("3a 07 00 01 't' 00 01 'm1'")),
                              "62 02 00 02",
                              to_hex(hex("3c 07 00 01 't' 00 03 'm3'")),
                          }));
  // The queued m4 goes once the window frees.
  h.feed(hex("40 02 00 01"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("32 07 00 01 't' 00 04 'm4'"))});
  h.feed(hex("70 02 00 02"));
  h.feed(hex("50 02 00 03"));
  h.feed(hex("70 02 00 03"));
  h.feed(hex("40 02 00 04"));
  EXPECT_EQ(h.s.inflight(), 0u);
}

TEST(Reconnect, NoSessionPresentRepublishesAsNew) {
  harness h(window3());
  prepare(h);
  ASSERT_FALSE(h.connect(persistent()));
  h.feed(hex("20 02 00 00"));
  // The broker kept nothing: m1..m3 go out again as new publishes (new ids from the
  // pool, DUP 0), in the original order; m4 waits behind the window.
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 3u);
  std::vector<std::string> payloads;
  for (auto& x : p) {
    auto& v = std::get<publish_view>(x);
    EXPECT_FALSE(v.dup);
    payloads.emplace_back(as_chars(v.payload));
  }
  EXPECT_EQ(payloads, (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_EQ(std::get<publish_view>(p[1]).qos, qos::exactly_once);
  EXPECT_EQ(h.s.queued(), 1u);
}

TEST(Reconnect, CleanSessionRepublishesAsNew) {
  harness h(window3());
  h.open();
  ASSERT_TRUE(h.publish("t", "m1", qos::at_least_once));
  ASSERT_TRUE(h.publish("t", "m2", qos::exactly_once));
  h.link_lost();
  h.open();
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_FALSE(std::get<publish_view>(p[0]).dup);
  EXPECT_EQ(as_chars(std::get<publish_view>(p[0]).payload), "m1");
  EXPECT_EQ(as_chars(std::get<publish_view>(p[1]).payload), "m2");
}

TEST(Reconnect, SessionPresentOnCleanSessionIsAViolation) {
  harness h;
  ASSERT_FALSE(h.connect());
  h.feed(hex("20 02 01 00"));  // [MQTT-3.2.2-1]
  EXPECT_EQ(h.closed(), errc::protocol_violation);
}

TEST(Reconnect, InboundQos2IdsSurviveWithSessionPresent) {
  harness h;
  h.open(persistent());
  h.feed(hex("34 06 00 01 't' 00 05 'p'"));
  ASSERT_EQ(h.count<message_received>(), 1u);
  h.link_lost();
  h.open(persistent(), true);
  h.feed(hex("3c 06 00 01 't' 00 05 'p'"));  // the broker re-sends: not delivered again
  EXPECT_EQ(h.count<message_received>(), 0u);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"50 02 00 05"});
  h.feed(hex("62 02 00 05"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"70 02 00 05"});
}

TEST(Reconnect, LinkLostTwiceIsReportedOnce) {
  harness h;
  h.open();
  h.link_lost();
  EXPECT_EQ(h.count<connection_closed>(), 1u);
  h.link_lost();
  EXPECT_EQ(h.count<connection_closed>(), 0u);
}

TEST(Reconnect, BytesWhileIdleAreIgnored) {
  harness h;
  h.feed(hex("30 03 00 01 'a'"));
  EXPECT_TRUE(h.out.empty());
  h.open();
}

}  // namespace
}  // namespace tern::test::reconnect_test
