// QoS 0/1/2 in both directions, the in-flight window and the queue (3.3-3.7, 4.3-4.6).
#include "harness.hpp"

namespace tern::test::publish_test {
namespace {

class PublishTest : public ::testing::TestWithParam<protocol_version> {
 protected:
  harness h;
  void SetUp() override { h.open(harness::default_options(GetParam())); }
};

TEST_P(PublishTest, Qos0GoesOutAndCompletesAtOnce) {
  auto mid = h.publish("a/b", "hi", qos::at_most_once, true);
  ASSERT_TRUE(mid);
  // 0x31: PUBLISH, QoS 0, RETAIN; no packet id [MQTT-2.3.1-5].
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("31 07 00 03 'a/b' 'hi'"))});
  auto s = h.events<send_bytes>().at(0);
  EXPECT_EQ(as_chars(s.payload), "hi");  // the payload goes by reference (gather I/O)
  ASSERT_EQ(h.count<publish_completed>(), 1u);
  EXPECT_EQ(h.events<publish_completed>()[0].mid, *mid);
  // A transport completes a QoS 0 message once these bytes are written.
  EXPECT_EQ(h.events<publish_completed>()[0].qos, qos::at_most_once);
}

TEST_P(PublishTest, Qos1PublishThenPuback) {
  auto mid = h.publish("t", "p", qos::at_least_once);
  ASSERT_TRUE(mid);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("32 06 00 01 't' 00 01 'p'"))});  // [MQTT-4.3.2-1]
  EXPECT_EQ(h.count<publish_completed>(), 0u);
  EXPECT_EQ(h.s.inflight(), 1u);
  h.feed(hex("40 02 00 01"));
  ASSERT_EQ(h.count<publish_completed>(), 1u);
  EXPECT_EQ(h.events<publish_completed>()[0].mid, *mid);
  EXPECT_EQ(h.events<publish_completed>()[0].qos, qos::at_least_once);
  EXPECT_EQ(h.s.inflight(), 0u);
  h.feed(hex("40 02 00 01"));  // again: unknown now
  EXPECT_EQ(h.count<publish_completed>(), 0u);
  EXPECT_TRUE(h.logged(log_level::warning, "PUBACK for unknown packet id 1"));
  EXPECT_TRUE(h.s.is_connected());
}

TEST_P(PublishTest, Qos2FullFlow) {
  auto mid = h.publish("t", "p", qos::exactly_once);
  ASSERT_TRUE(mid);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("34 06 00 01 't' 00 01 'p'"))});  // [MQTT-4.3.3-1]
  h.feed(hex("50 02 00 01"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"62 02 00 01"});  // PUBREL flags 0010 [MQTT-3.6.1-1]
  EXPECT_EQ(h.count<publish_completed>(), 0u);
  h.feed(hex("50 02 00 01"));  // a repeated PUBREC is answered again
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"62 02 00 01"});
  h.feed(hex("70 02 00 01"));
  ASSERT_EQ(h.count<publish_completed>(), 1u);
  EXPECT_EQ(h.events<publish_completed>()[0].mid, *mid);
  EXPECT_EQ(h.events<publish_completed>()[0].qos, qos::exactly_once);
  EXPECT_EQ(h.s.inflight(), 0u);
}

TEST_P(PublishTest, PacketsReceivedCountsEveryDecodedPacket) {
  // The client's read pacer learns from it how many packets one read brought.
  auto before = h.s.packets_received();  // the CONNACK, at least
  h.publish("t", "p", qos::at_least_once);
  h.publish("t", "p", qos::at_least_once);
  h.feed(hex("40 02 00 01 40 02 00 02 40"));  // two PUBACKs and the first byte of a third packet
  EXPECT_EQ(h.s.packets_received(), before + 2);
  h.feed(hex("02 00 09"));  // its end: a PUBACK for an unknown id still counts
  EXPECT_EQ(h.s.packets_received(), before + 3);
}

TEST_P(PublishTest, PartialPacketBytesCountWhatWaitsForTheRest) {
  // The client's read interval does not wait while a packet is half read.
  h.publish("t", "p", qos::at_least_once);
  EXPECT_EQ(h.s.partial_packet_bytes(), 0u);
  h.feed(hex("40 02 00"));  // three bytes of a PUBACK
  EXPECT_EQ(h.s.partial_packet_bytes(), 3u);
  h.feed(hex("01 40"));  // its end, and the first byte of the next packet
  EXPECT_EQ(h.s.partial_packet_bytes(), 1u);
  h.feed(hex("02 00 09"));
  EXPECT_EQ(h.s.partial_packet_bytes(), 0u);
}

TEST_P(PublishTest, UnknownAcksAreLoggedAndIgnored) {
  ASSERT_TRUE(h.publish("t", "p", qos::at_least_once));  // id 1 awaits PUBACK
  h.feed(hex("50 02 00 01"));  // PUBREC for a QoS 1 message
  EXPECT_TRUE(h.logged(log_level::warning, "PUBREC for unknown packet id 1"));
  h.feed(hex("70 02 00 07"));
  EXPECT_TRUE(h.logged(log_level::warning, "PUBCOMP for unknown packet id 7"));
  h.feed(hex("b0 02 00 07"));
  EXPECT_TRUE(h.logged(log_level::warning, "UNSUBACK for unknown packet id 7"));
  h.feed(hex("90 03 00 07 00"));
  EXPECT_TRUE(h.logged(log_level::warning, "SUBACK for unknown packet id 7"));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_TRUE(h.s.is_connected());
  EXPECT_EQ(h.s.inflight(), 1u);
}

TEST_P(PublishTest, IncomingQos0) {
  h.feed(wire(publish_view{"a/b", as_bytes("x"), qos::at_most_once, true}));
  auto m = h.events<message_received>();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].topic, "a/b");
  EXPECT_EQ(as_chars(m[0].payload), "x");
  EXPECT_TRUE(m[0].retain);
  EXPECT_TRUE(h.sent().empty());
}

TEST_P(PublishTest, IncomingQos1DeliverThenPuback) {
  h.feed(hex("32 06 00 01 't' 00 09 'p'"));
  ASSERT_EQ(h.out.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<message_received>(h.out[0]));  // delivered first
  auto m = std::get<message_received>(h.out[0]);
  EXPECT_EQ(m.qos, qos::at_least_once);
  EXPECT_EQ(m.packet_id, 9);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"40 02 00 09"});  // [MQTT-4.3.2-2]
}

TEST_P(PublishTest, IncomingQos2DuplicateDeliveredOnce) {
  h.feed(hex("34 06 00 01 't' 00 05 'p'"));
  EXPECT_EQ(h.count<message_received>(), 1u);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"50 02 00 05"});
  // Re-sent before PUBREL: acknowledged again, not delivered again [MQTT-4.3.3-2].
  h.feed(hex("3c 06 00 01 't' 00 05 'p'"));
  EXPECT_EQ(h.count<message_received>(), 0u);
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"50 02 00 05"});
  h.feed(hex("62 02 00 05"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"70 02 00 05"});
  // After PUBCOMP the id stands for a new message.
  h.feed(hex("34 06 00 01 't' 00 05 'q'"));
  ASSERT_EQ(h.count<message_received>(), 1u);
  EXPECT_EQ(as_chars(h.events<message_received>()[0].payload), "q");
}

TEST_P(PublishTest, PubrelForUnknownIdIsStillAnswered) {
  h.feed(hex("62 02 01 00"));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"70 02 01 00"});
  EXPECT_TRUE(h.s.is_connected());
}

TEST_P(PublishTest, AcksInArrivalOrder) {
  // [MQTT-4.6.0-2], [MQTT-4.6.0-3]: several PUBLISHes in one read, acknowledged in order.
  auto a = wire(publish_view{"t", {}, qos::at_least_once, false, false, 3});
  auto b = wire(publish_view{"t", {}, qos::exactly_once, false, false, 1});
  auto c = wire(publish_view{"t", {}, qos::at_least_once, false, false, 2});
  a.insert(a.end(), b.begin(), b.end());
  a.insert(a.end(), c.begin(), c.end());
  h.feed(a);
  EXPECT_EQ(h.sent_hex(), (std::vector<std::string>{"40 02 00 03", "50 02 00 01", "40 02 00 02"}));
  EXPECT_EQ(h.count<message_received>(), 3u);
}

TEST_P(PublishTest, WindowOf20With100Publishes) {
  std::vector<message_id> mids;
  std::size_t sent = 0;
  for (int i = 0; i < 100; ++i) {
    auto mid = h.publish("t", std::to_string(i), qos::at_least_once);
    ASSERT_TRUE(mid);
    mids.push_back(*mid);
    sent += h.sent().size();
  }
  EXPECT_EQ(sent, 20u);
  EXPECT_EQ(h.s.inflight(), 20u);
  EXPECT_EQ(h.s.queued(), 80u);
  // Each PUBACK frees one slot: the next message in publish order goes out.
  std::vector<std::string> payloads;
  std::vector<message_id> completed;
  for (std::uint16_t id = 1; id <= 100; ++id) {
    h.feed(wire(puback{id}));
    for (auto& p : h.sent_packets()) payloads.emplace_back(as_chars(std::get<publish_view>(p).payload));
    for (auto& c : h.events<publish_completed>()) completed.push_back(c.mid);
    EXPECT_LE(h.s.inflight(), 20u);
  }
  ASSERT_EQ(payloads.size(), 80u);
  for (int i = 0; i < 80; ++i) EXPECT_EQ(payloads[i], std::to_string(i + 20));
  EXPECT_EQ(completed, mids);
  EXPECT_EQ(h.s.inflight(), 0u);
  EXPECT_EQ(h.s.queued(), 0u);
}

TEST_P(PublishTest, Qos0WaitsBehindAFullWindowToKeepOrder) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(h.publish("t", "q1", qos::at_least_once));
  ASSERT_TRUE(h.publish("t", "next", qos::at_least_once));
  ASSERT_TRUE(h.publish("t", "zero", qos::at_most_once));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.count<publish_completed>(), 0u);
  h.feed(wire(puback{1}));
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(as_chars(std::get<publish_view>(p[0]).payload), "next");
  EXPECT_EQ(as_chars(std::get<publish_view>(p[1]).payload), "zero");
}

TEST_P(PublishTest, InvalidPublishes) {
  EXPECT_EQ(h.publish("", "x", qos::at_most_once).error(), errc::empty_topic);
  EXPECT_EQ(h.publish("a/+", "x", qos::at_most_once).error(), errc::wildcard_in_topic_name);
  EXPECT_EQ(h.publish("a/#", "x", qos::at_most_once).error(), errc::wildcard_in_topic_name);
  EXPECT_EQ(h.publish("a", "x", static_cast<qos>(3)).error(), errc::invalid_qos_argument);
  EXPECT_EQ(h.publish(std::string(70'000, 'a'), "x", qos::at_most_once).error(), errc::topic_too_long);
  EXPECT_TRUE(h.out.empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, PublishTest, ::testing::ValuesIn(both_versions), version_name);

TEST(Queue, OfflinePublishesFlushInOrderAfterConnack) {
  harness h;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h.publish("t", "a" + std::to_string(i), static_cast<qos>(i)));
    EXPECT_TRUE(h.out.empty() || h.sent().empty());
  }
  EXPECT_EQ(h.s.queued(), 3u);
  ASSERT_FALSE(h.connect());
  EXPECT_EQ(h.sent().size(), 1u);  // CONNECT only: nothing before CONNACK
  h.feed(hex("20 02 00 00"));
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    auto& v = std::get<publish_view>(p[i]);
    EXPECT_EQ(as_chars(v.payload), std::string("a") + std::to_string(i));
    EXPECT_EQ(static_cast<int>(v.qos), i);
  }
  EXPECT_EQ(h.count<publish_completed>(), 1u);  // the QoS 0 one
}

TEST(Queue, FullQueueFailsAndKeepsWhatIsQueued) {
  session_options so;
  so.max_queued = 5;
  harness h(so);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.publish("t", std::to_string(i), qos::at_least_once));
  auto r = h.publish("t", "5", qos::at_least_once);
  EXPECT_EQ(r.error(), errc::queue_full);
  EXPECT_EQ(r.error().message(), "the message queue is full");
  EXPECT_EQ(h.s.queued(), 5u);
  h.open();
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(as_chars(std::get<publish_view>(p[4]).payload), "4");
}

TEST(Queue, FullQueueBehindTheWindow) {
  session_options so;
  so.max_inflight = 2;
  so.max_queued = 1;
  harness h(so);
  h.open();
  EXPECT_TRUE(h.publish("t", "1", qos::at_least_once));  // in flight
  EXPECT_TRUE(h.publish("t", "2", qos::at_least_once));  // in flight
  EXPECT_TRUE(h.publish("t", "3", qos::at_least_once));  // queued
  EXPECT_EQ(h.publish("t", "4", qos::at_least_once).error(), errc::queue_full);
  EXPECT_EQ(h.publish("t", "5", qos::at_most_once).error(), errc::queue_full);  // order is kept, so it would wait
}

TEST(Queue, UnlimitedWhenZero) {
  session_options so;
  so.max_queued = 0;
  harness h(so);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  EXPECT_EQ(h.s.queued(), 5000u);
}

TEST(Queue, DropQos0Offline) {
  session_options so;
  so.drop_qos0_offline = true;
  harness h(so);
  EXPECT_EQ(h.publish("t", "x", qos::at_most_once).error(), errc::not_connected);
  EXPECT_TRUE(h.publish("t", "x", qos::at_least_once));
  EXPECT_EQ(h.s.queued(), 1u);
}

}  // namespace
}  // namespace tern::test::publish_test
