// The session's store seam: every change of durable state reported as a
// store_update before the packet that depends on it, and a session rebuilt
// from a store's contents (session::restore).
#include <set>
#include <thread>

#include "harness.hpp"

namespace tern::test::store_update_test {
namespace {

using kind = store_update::kind;

session_options reporting(std::size_t window = 20) {
  session_options so;
  so.report_store_updates = true;
  so.max_inflight = window;
  return so;
}

connect_options persistent() {
  auto o = harness::default_options();
  o.clean_session = false;
  return o;
}

// The last call's actions as short names, in order: "accepted 1", "sent 1/1", "bytes", ...
std::vector<std::string> trace(const harness& h) {
  std::vector<std::string> r;
  for (const auto& a : h.out) {
    if (std::holds_alternative<send_bytes>(a)) r.push_back("bytes");
    if (const auto* c = std::get_if<publish_completed>(&a)) r.push_back("completed " + std::to_string(c->mid));
    if (std::holds_alternative<message_received>(a)) r.push_back("received");
    const auto* u = std::get_if<store_update>(&a);
    if (!u) continue;
    auto ids = std::to_string(u->mid) + "/" + std::to_string(u->packet_id);
    switch (u->what) {
      case kind::message_accepted: r.push_back("accepted " + std::to_string(u->mid)); break;
      case kind::message_sent: r.push_back("sent " + ids); break;
      case kind::pubrec_received: r.push_back("pubrec " + ids); break;
      case kind::message_completed: r.push_back("done " + ids); break;
      case kind::inflight_requeued: r.push_back("requeued"); break;
      case kind::inbound_held: r.push_back("held " + std::to_string(u->packet_id)); break;
      case kind::inbound_released: r.push_back("released " + std::to_string(u->packet_id)); break;
      case kind::inbound_cleared: r.push_back("cleared"); break;
    }
  }
  return r;
}

using strings = std::vector<std::string>;

TEST(StoreUpdate, NoneUnlessAsked) {
  harness h;
  h.open();
  ASSERT_TRUE(h.publish("t", "x", qos::exactly_once));
  h.feed(hex("50 02 00 01"));
  EXPECT_EQ(h.count<store_update>(), 0u);
}

TEST(StoreUpdate, AcceptedAndSentComeBeforeThePublishBytes) {
  harness h(reporting());
  h.open();
  // A topic short enough for the string's inline buffer: it moves with the
  // message, so the update must carry a copy.
  auto mid = h.publish("a/b", "payload", qos::at_least_once, true);
  ASSERT_TRUE(mid);
  EXPECT_EQ(trace(h), (strings{"accepted 1", "sent 1/1", "bytes"}));
  auto u = h.events<store_update>()[0];
  EXPECT_EQ(u.topic, "a/b");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(u.payload.data()), u.payload.size()), "payload");
  EXPECT_EQ(u.qos, qos::at_least_once);
  EXPECT_TRUE(u.retain);
  h.feed(hex("40 02 00 01"));
  EXPECT_EQ(trace(h), (strings{"done 1/1", "completed 1"}));
}

TEST(StoreUpdate, QoS0IsNotStored) {
  harness h(reporting());
  h.open();
  ASSERT_TRUE(h.publish("t", "x", qos::at_most_once));
  EXPECT_EQ(h.count<store_update>(), 0u);
}

TEST(StoreUpdate, OfflineMessageIsAcceptedAndSentAfterConnack) {
  harness h(reporting());
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  EXPECT_EQ(trace(h), strings{"accepted 1"});
  ASSERT_FALSE(h.connect());
  h.feed(wire(connack_view{false, 0}));
  EXPECT_EQ(trace(h), (strings{"sent 1/1", "bytes"}));
}

// [MQTT-4.3.3-1]: the PUBREC must be on record before PUBREL goes, or a
// PUBLISH re-sent after a crash would reach the broker as a new message.
TEST(StoreUpdate, PubrecIsRecordedOnceBeforePubrel) {
  harness h(reporting());
  h.open();
  ASSERT_TRUE(h.publish("t", "x", qos::exactly_once));
  h.feed(hex("50 02 00 01"));
  EXPECT_EQ(trace(h), (strings{"pubrec 1/1", "bytes"}));
  h.feed(hex("50 02 00 01"));  // repeated: PUBREL again, nothing new to record
  EXPECT_EQ(trace(h), strings{"bytes"});
  h.feed(hex("70 02 00 01"));
  EXPECT_EQ(trace(h), (strings{"done 1/1", "completed 1"}));
}

// [MQTT-4.3.3-2]: the inbound id is held from delivery to PUBREL; held
// before PUBREC leaves, released before PUBCOMP.
TEST(StoreUpdate, InboundQoS2IdHeldUntilPubrel) {
  harness h(reporting());
  h.open();
  auto publish = wire(publish_view{"t", as_bytes(std::string_view("x")), qos::exactly_once, false, false, 7});
  h.feed(publish);
  EXPECT_EQ(trace(h), (strings{"received", "held 7", "bytes"}));
  h.feed(publish);  // a re-sent copy: acknowledged, neither delivered nor held again
  EXPECT_EQ(trace(h), strings{"bytes"});
  h.feed(hex("62 02 00 07"));
  EXPECT_EQ(trace(h), (strings{"released 7", "bytes"}));
  h.feed(hex("62 02 00 07"));  // unknown now: answered, nothing to record
  EXPECT_EQ(trace(h), strings{"bytes"});
}

TEST(StoreUpdate, NoSessionOnTheBrokerRequeuesAndClears) {
  harness h(reporting());
  h.open(persistent());
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  h.feed(wire(publish_view{"t", {}, qos::exactly_once, false, false, 9}));
  h.link_lost();
  ASSERT_FALSE(h.connect(persistent()));
  h.feed(wire(connack_view{false, 0}));
  EXPECT_EQ(trace(h), (strings{"requeued", "cleared", "sent 1/2", "bytes"}));
}

TEST(StoreUpdate, SessionPresentKeepsEverything) {
  harness h(reporting());
  h.open(persistent());
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  h.link_lost();
  ASSERT_FALSE(h.connect(persistent()));
  h.feed(wire(connack_view{true, 0}));
  EXPECT_EQ(trace(h), strings{"bytes"});  // the DUP re-send, same id: nothing changed
}

// ---- restore ---------------------------------------------------------------

stored_message stored(message_id mid, std::string body, qos q, std::uint16_t packet_id = 0, bool pubrec = false) {
  return {mid, message{"t", payload(body), q, false}, packet_id, pubrec};
}

// The state reconnect_test's prepare() leaves: m1 QoS 1 (id 1), m2 QoS 2
// after PUBREC (id 2), m3 QoS 2 before PUBREC (id 3), m4 queued.
stored_state four_messages() {
  stored_state st;
  st.messages = {stored(1, "m1", qos::at_least_once, 1), stored(2, "m2", qos::exactly_once, 2, true),
                 stored(3, "m3", qos::exactly_once, 3), stored(4, "m4", qos::at_least_once)};
  return st;
}

TEST(Restore, SessionPresentResendsWithDupInOriginalOrder) {
  harness h(reporting(3));
  ASSERT_FALSE(h.s.restore(four_messages()));
  EXPECT_EQ(h.s.inflight(), 3u);
  EXPECT_EQ(h.s.queued(), 1u);
  ASSERT_FALSE(h.connect(persistent()));
  h.feed(hex("20 02 01 00"));
  // [MQTT-4.4.0-1], [MQTT-3.3.1-1]: the same ids, DUP set, PUBREL for m2.
  EXPECT_EQ(h.sent_hex(), (strings{
                              to_hex(hex("3a 07 00 01 't' 00 01 'm1'")),
                              "62 02 00 02",
                              to_hex(hex("3c 07 00 01 't' 00 03 'm3'")),
                          }));
  EXPECT_EQ(h.count<store_update>(), 0u);  // nothing changed
  h.feed(hex("40 02 00 01"));
  EXPECT_EQ(trace(h), (strings{"done 1/1", "completed 1", "sent 4/1", "bytes"}));
  h.feed(hex("70 02 00 02"));
  EXPECT_EQ(trace(h), (strings{"done 2/2", "completed 2"}));
}

TEST(Restore, NoSessionOnTheBrokerSendsEverythingAsNewMessages) {
  harness h(reporting(3));
  ASSERT_FALSE(h.s.restore(four_messages()));
  ASSERT_FALSE(h.connect(persistent()));
  h.feed(hex("20 02 00 00"));
  strings bodies;
  for (const auto& packet : h.sent_packets()) {
    const auto& p = std::get<publish_view>(packet);
    EXPECT_FALSE(p.dup);
    bodies.emplace_back(reinterpret_cast<const char*>(p.payload.data()), p.payload.size());
  }
  EXPECT_EQ(bodies, (strings{"m1", "m2", "m3"}));  // the window of 3
}

TEST(Restore, HeldInboundIdIsNotDeliveredAgain) {
  harness h(reporting());
  stored_state st;
  st.inbound_qos2 = {7};
  ASSERT_FALSE(h.s.restore(st));
  h.open(persistent(), true);
  h.feed(wire(publish_view{"t", {}, qos::exactly_once, false, true, 7}));
  EXPECT_EQ(h.count<message_received>(), 0u);  // [MQTT-4.3.3-2]
  EXPECT_EQ(h.sent_hex(), strings{"50 02 00 07"});
  h.feed(hex("62 02 00 07"));
  EXPECT_EQ(trace(h), (strings{"released 7", "bytes"}));
}

TEST(Restore, MessageIdsContinueAfterTheRestoredOnes) {
  harness h(reporting());
  auto st = four_messages();
  st.messages[2].mid = 40;
  ASSERT_FALSE(h.s.restore(st));
  EXPECT_EQ(h.s.next_message_id(), 41u);
  auto mid = h.publish("t", "x", qos::at_least_once);
  ASSERT_TRUE(mid);
  EXPECT_EQ(*mid, 42u);
}

TEST(Restore, MessageIdsWrapPastZero) {
  harness h;
  stored_state st;
  st.messages = {stored(0xFFFFFFFFu, "x", qos::at_least_once)};
  ASSERT_FALSE(h.s.restore(st));
  EXPECT_EQ(h.s.next_message_id(), 1u);
}

TEST(Restore, RefusesAStateNoSessionCouldHaveMade) {
  auto bad = [](auto change) {
    auto st = four_messages();
    change(st);
    harness h;
    return h.s.restore(st);
  };
  EXPECT_EQ(bad([](stored_state& s) { s.messages[1].mid = 1; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[0].mid = 0; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[3].msg.qos = qos::at_most_once; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[3].msg.qos = static_cast<qos>(3); }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[2].packet_id = 1; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[3].pubrec_received = true; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[0].pubrec_received = true; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[0].msg.topic = "a/+"; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.messages[0].msg.topic.clear(); }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.inbound_qos2 = {3, 3}; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state& s) { s.inbound_qos2 = {0}; }), errc::store_invalid);
  EXPECT_EQ(bad([](stored_state&) {}), std::error_code{});
}

TEST(Restore, OnlyIntoAnIdleEmptySession) {
  harness h;
  h.open();
  EXPECT_EQ(h.s.restore(four_messages()), errc::already_connected);
  harness g;
  ASSERT_TRUE(g.publish("t", "x", qos::at_least_once));
  EXPECT_EQ(g.s.restore(four_messages()), errc::invalid_argument);
  EXPECT_EQ(g.s.queued(), 1u);  // nothing restored
}

TEST(MessageIds, OneCounterForEveryCallerThread) {
  session s;
  std::vector<message_id> a, b;
  std::thread t([&] {
    for (int i = 0; i < 50'000; ++i) a.push_back(s.next_message_id());
  });
  for (int i = 0; i < 50'000; ++i) b.push_back(s.next_message_id());
  t.join();
  std::set<message_id> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 100'000u);
  EXPECT_EQ(all.count(0), 0u);
}

TEST(MessageIds, PublishSubscribeAndUnsubscribeShareThem) {
  harness h;
  h.open();
  auto p = h.publish("t", "x", qos::at_most_once);
  h.out.clear();
  auto s = h.s.subscribe("a", qos::at_most_once, h.now, h.out);
  auto given = h.s.next_message_id();
  h.out.clear();
  auto u = h.s.unsubscribe("a", h.now, h.out);
  ASSERT_TRUE(p && s && u);
  EXPECT_EQ(*p, 1u);
  EXPECT_EQ(*s, 2u);
  EXPECT_EQ(given, 3u);
  EXPECT_EQ(*u, 4u);
}

}  // namespace
}  // namespace tern::test::store_update_test
