// The DEBUG lines, one per packet, in paho's wording: a Flask-MQTT app's
// on_log output reads the same on tern. Off by default, and switchable.

#include "harness.hpp"

namespace tern::test::debug_log_test {
namespace {

std::vector<std::string> debug_lines(const harness& h) {
  std::vector<std::string> r;
  for (const auto& l : h.events<log_line>())
    if (l.level == log_level::debug) r.emplace_back(l.text);
  return r;
}

session_options with_debug() {
  session_options so;
  so.log_mask = 0x1F;
  return so;
}

TEST(DebugLog, EveryPacketInPahosWords) {
  harness h(with_debug());
  auto o = harness::default_options();
  o.client_id = "dash-1";
  o.user_name.emplace(1, 'u');  // not = "u": GCC 12 -Wrestrict false positive at -O3
  o.password = payload("p");
  o.will = will{"w", "bye", qos::at_least_once, false};
  ASSERT_FALSE(h.connect(o));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending CONNECT (u1, p1, wr0, wq1, wf1, c1, k60) client_id=b'dash-1'"});
  h.feed(wire(connack_view{false, 0}));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received CONNACK (0, 0)"});

  ASSERT_TRUE(h.publish("a/b", "hello", qos::at_least_once));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending PUBLISH (d0, q1, r0, m1), 'a/b', ... (5 bytes)"});
  h.feed(puback{1});
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received PUBACK (Mid: 1)"});

  ASSERT_TRUE(h.publish("e", "", qos::at_most_once, true));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending PUBLISH (d0, q0, r1, m0), 'e' (NULL payload)"});

  ASSERT_TRUE(h.publish("q2", "xy", qos::exactly_once));
  h.feed(pubrec{2});
  EXPECT_EQ(debug_lines(h), (std::vector<std::string>{"Received PUBREC (Mid: 2)", "Sending PUBREL (Mid: 2)"}));
  h.feed(pubcomp{2});
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received PUBCOMP (Mid: 2)"});

  subscribe_entry subs[] = {{"a/#", qos::at_most_once}, {"b", qos::exactly_once}};
  h.out.clear();
  ASSERT_TRUE(h.s.subscribe(subs, h.now, h.out));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending SUBSCRIBE (d0, m3) [(b'a/#', 0), (b'b', 2)]"});
  std::uint8_t granted[] = {0, 2};
  h.feed(suback_view{3, granted});
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received SUBACK"});

  h.out.clear();
  ASSERT_TRUE(h.s.unsubscribe("a/#", h.now, h.out));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending UNSUBSCRIBE (d0, m4) [b'a/#']"});
  h.feed(unsuback{4});
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received UNSUBACK (Mid: 4)"});

  h.feed(publish_view{"in", as_bytes(std::string_view("12345")), qos::at_least_once, false, false, 7});
  EXPECT_EQ(debug_lines(h), (std::vector<std::string>{"Received PUBLISH (d0, q1, r0, m7), 'in', ...  (5 bytes)",
                                                      "Sending PUBACK (Mid: 7)"}));
  h.feed(publish_view{"in", as_bytes(std::string_view("1")), qos::exactly_once, false, false, 8});
  EXPECT_EQ(debug_lines(h), (std::vector<std::string>{"Received PUBLISH (d0, q2, r0, m8), 'in', ...  (1 bytes)",
                                                      "Sending PUBREC (Mid: 8)"}));
  h.feed(pubrel{8});
  EXPECT_EQ(debug_lines(h), (std::vector<std::string>{"Received PUBREL (Mid: 8)", "Sending PUBCOMP (Mid: 8)"}));

  h.advance(60s);
  h.timer();
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending PINGREQ"});
  h.feed(pingresp{});
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Received PINGRESP"});

  h.out.clear();
  ASSERT_FALSE(h.s.disconnect(h.now, h.out));
  EXPECT_EQ(debug_lines(h), std::vector<std::string>{"Sending DISCONNECT"});
}

TEST(DebugLog, OffByDefaultAndSwitchable) {
  harness h;
  h.open();
  ASSERT_TRUE(h.publish("a", "x", qos::at_least_once));
  EXPECT_TRUE(debug_lines(h).empty());
  h.s.set_log_mask(0x1F);
  ASSERT_TRUE(h.publish("a", "x", qos::at_least_once));
  EXPECT_EQ(debug_lines(h).size(), 1u);
  h.s.set_log_mask(0x0F);
  h.feed(puback{1});
  EXPECT_TRUE(debug_lines(h).empty());
  EXPECT_EQ(h.count<publish_completed>(), 1u);
}

TEST(Abandon, GivesUpEveryMessageNotCompleted) {
  session_options so;
  so.max_inflight = 1;
  harness h(so);
  h.open();
  auto a = h.publish("a", "1", qos::at_least_once).value();  // in flight
  auto b = h.publish("b", "2", qos::exactly_once).value();   // queued behind the window
  h.link_lost();
  auto c = h.publish("c", "3", qos::at_most_once).value();  // queued offline
  std::vector<message_id> mids;
  h.s.abandon_messages(mids);
  EXPECT_EQ(mids, (std::vector<message_id>{a, b, c}));
  EXPECT_EQ(h.s.inflight(), 0u);
  EXPECT_EQ(h.s.queued(), 0u);
  // The packet id is free again: the next connection starts from a clean slate.
  h.open();
  EXPECT_TRUE(h.sent().empty());
  ASSERT_TRUE(h.publish("d", "4", qos::at_least_once));
  EXPECT_EQ(h.sent().size(), 1u);
}

}  // namespace
}  // namespace tern::test::debug_log_test
