// Packet identifiers: 1-65535, never 0, never one in use, wrapping around
// [MQTT-2.3.1-1], [MQTT-2.3.1-2].
#include "harness.hpp"
#include "session/packet_id_pool.hpp"

namespace tern::test::packet_id_test {
namespace {

TEST(IdSet, AFewIdsNeedNoBitmapAndManyMoveIntoOneAndBack) {
  detail::id_set set;
  for (std::uint16_t id = 100; id < 100 + detail::id_set::small_max; ++id) ASSERT_TRUE(set.insert(id));
  EXPECT_FALSE(set.insert(100));
  EXPECT_EQ(set.word(1), ~std::uint64_t{0} << 36);  // ids 100-127 of word 1 (64-127)
  EXPECT_EQ(set.word(2), 0xFu);                     // ids 128-131
  ASSERT_TRUE(set.insert(60'000));                  // one more: the bitmap
  for (std::uint16_t id = 100; id < 100 + detail::id_set::small_max; ++id) EXPECT_TRUE(set.contains(id));
  EXPECT_TRUE(set.contains(60'000));
  EXPECT_FALSE(set.contains(99));
  EXPECT_EQ(set.word(2), 0xFu);
  for (std::uint16_t id = 100; id < 100 + detail::id_set::small_max; ++id) ASSERT_TRUE(set.erase(id));
  EXPECT_FALSE(set.erase(100));
  EXPECT_EQ(set.size(), 1u);
  ASSERT_TRUE(set.erase(60'000));  // empty: back to the list
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(60'000));
  EXPECT_TRUE(set.insert(5));
  EXPECT_EQ(set.word(0), 1u << 5);
}

TEST(PacketIdPool, AWideWindowGetsDistinctIdsRoundRobin) {
  detail::packet_id_pool pool;
  for (unsigned i = 1; i <= 100; ++i) ASSERT_EQ(pool.acquire(), i);
  for (std::uint16_t id = 1; id <= 100; ++id) pool.release(id);
  EXPECT_EQ(pool.used(), 0u);
  EXPECT_EQ(pool.acquire(), 101);  // still round-robin after the set emptied
}

TEST(PacketIdPool, HandsOutAllIdsOnceThenWraps) {
  detail::packet_id_pool pool;
  for (unsigned i = 1; i <= 65'535; ++i) ASSERT_EQ(pool.acquire(), i);
  EXPECT_TRUE(pool.exhausted());
  EXPECT_EQ(pool.acquire(), 0);
  pool.release(7);
  pool.release(3);
  EXPECT_EQ(pool.acquire(), 3);  // wrapped: the lowest free id after 65535
  EXPECT_EQ(pool.acquire(), 7);
  EXPECT_EQ(pool.acquire(), 0);
}

TEST(PacketIdPool, SkipsIdsInUseAndNeverGivesZero) {
  detail::packet_id_pool pool;
  EXPECT_EQ(pool.acquire(), 1);
  EXPECT_EQ(pool.acquire(), 2);
  pool.release(1);
  EXPECT_EQ(pool.acquire(), 3);  // round-robin: a freed id is not reused at once
  EXPECT_TRUE(pool.reserve(65'535));
  EXPECT_FALSE(pool.reserve(0));
  pool.release(0);
  EXPECT_EQ(pool.used(), 3u);
}

TEST(PacketIds, WrapAroundSkipsIdsStillInFlight) {
  harness h;
  h.open();
  ASSERT_TRUE(h.publish("t", "held1", qos::at_least_once));  // id 1 stays in flight
  ASSERT_TRUE(h.publish("t", "held2", qos::exactly_once));   // id 2 stays in flight
  std::uint16_t expect = 3;
  for (int i = 0; i < 65'533; ++i) {
    ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
    auto p = h.sent_packets();
    ASSERT_EQ(p.size(), 1u);
    auto id = std::get<publish_view>(p[0]).packet_id;
    ASSERT_EQ(id, expect);
    h.feed(wire(puback{id}));
    ASSERT_EQ(h.count<publish_completed>(), 1u);
    expect = static_cast<std::uint16_t>(expect + 1);
  }
  // 65535 was the last; 1 and 2 are still in flight, so the next id is 3.
  ASSERT_TRUE(h.publish("t", "x", qos::at_least_once));
  EXPECT_EQ(std::get<publish_view>(h.sent_packets().at(0)).packet_id, 3);
}

TEST(PacketIds, ExhaustedIdsMakePublishesWait) {
  session_options so;
  so.max_inflight = 65'535;
  so.max_queued = 0;
  harness h(so);
  h.open();
  std::vector<subscribe_entry> f{{"f", qos::at_most_once}};
  for (int i = 0; i < 65'535; ++i) ASSERT_TRUE(h.publish("t", "", qos::at_least_once));
  EXPECT_EQ(h.s.inflight(), 65'535u);
  ASSERT_TRUE(h.publish("t", "waits", qos::at_least_once));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.s.queued(), 1u);
  h.out.clear();
  EXPECT_EQ(h.s.subscribe(f, h.now, h.out).error(), errc::packet_id_exhausted);
  h.feed(wire(puback{40'000}));
  auto p = h.sent_packets();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(std::get<publish_view>(p[0]).packet_id, 40'000);
}

}  // namespace
}  // namespace tern::test::packet_id_test
