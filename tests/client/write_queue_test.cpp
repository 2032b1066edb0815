// The send path's queue: coalescing and gather buffers.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/write_queue.hpp"

namespace tern::test::write_queue_test {
namespace {

std::string joined(std::span<const asio::const_buffer> bufs) {
  std::string s;
  for (const auto& b : bufs) s.append(static_cast<const char*>(b.data()), b.size());
  return s;
}

TEST(WriteQueue, SmallPacketsLeaveTogetherInOneBuffer) {
  detail::write_queue q;
  q.add(as_bytes("H1"), as_bytes("p1"), true);  // small: copied even when stable
  q.add(as_bytes("H2"), {}, false);
  auto bufs = q.start();
  ASSERT_EQ(bufs.size(), 1u);
  EXPECT_EQ(joined(bufs), "H1p1H2");
}

TEST(WriteQueue, LargeStablePayloadIsWrittenInPlace) {
  detail::write_queue q;
  std::string big(detail::write_queue::reference_threshold, 'x');
  q.add(as_bytes("H1"), as_bytes(big), true);
  q.add(as_bytes("H2"), as_bytes("tail"), false);
  auto bufs = q.start();
  ASSERT_EQ(bufs.size(), 3u);
  EXPECT_EQ(bufs[1].data(), big.data());  // not copied
  std::string expected = "H1";
  expected.append(big).append("H2tail");  // not operator+: GCC 12 -O3 warns -Wrestrict on it
  EXPECT_EQ(joined(bufs), expected);
}

TEST(WriteQueue, LargeUnstablePayloadIsCopied) {
  detail::write_queue q;
  std::string big(4096, 'y');
  q.add(as_bytes("H"), as_bytes(big), false);
  auto bufs = q.start();
  ASSERT_EQ(bufs.size(), 1u);
  big.assign(big.size(), 'z');  // the caller's bytes change: the queue kept its own
  std::string expected = "H";
  expected.append(4096, 'y');
  EXPECT_EQ(joined(bufs), expected);
}

TEST(WriteQueue, PacketsQueuedDuringAWriteGoInTheNextOne) {
  detail::write_queue q;
  q.add(as_bytes("A"), {}, false);
  auto first = q.start();
  EXPECT_TRUE(q.in_flight());
  q.add(as_bytes("B"), {}, false);
  q.add(as_bytes("C"), {}, false);
  EXPECT_EQ(joined(first), "A");  // the in-flight buffers are untouched
  q.done([](message_id) {});
  ASSERT_TRUE(q.has_pending());
  EXPECT_EQ(joined(q.start()), "BC");
  q.done([](message_id) {});
  EXPECT_FALSE(q.has_pending());
  EXPECT_FALSE(q.in_flight());
}

TEST(WriteQueue, ConsumeLeavesTheUnwrittenRest) {
  detail::write_queue q;
  std::string big(detail::write_queue::reference_threshold, 'x');
  q.add(as_bytes("H1"), as_bytes(big), true);  // buffers: "H1", big
  q.add(as_bytes("H2"), {}, false);            // "H2"
  q.start();
  EXPECT_EQ(joined(q.consume(1)), "1" + big + "H2");  // within the first buffer
  EXPECT_EQ(joined(q.consume(1 + big.size() - 3)), "xxxH2");  // across a buffer's end
  EXPECT_EQ(joined(q.consume(4)), "2");
  EXPECT_TRUE(q.consume(1).empty());  // all written
}

TEST(WriteQueue, MessageIdsAreReportedWithTheWriteThatCarriesThem) {
  detail::write_queue q;
  std::vector<message_id> written;
  auto record = [&](message_id mid) { written.push_back(mid); };
  q.add(as_bytes("A"), {}, false);
  q.complete_when_written(1);
  q.start();
  q.add(as_bytes("B"), {}, false);
  q.complete_when_written(2);  // queued while A is on the wire: not A's
  q.done(record);
  EXPECT_EQ(written, std::vector<message_id>{1});
  q.start();
  q.done(record);
  EXPECT_EQ(written, (std::vector<message_id>{1, 2}));
  EXPECT_FALSE(q.has_pending());
}

TEST(WriteQueue, ABurstSizedBufferIsGivenBackOnceWritesAreLightAgain) {
  detail::write_queue q;
  std::string chunk(1000, 'x');
  for (int i = 0; i < 64; ++i) q.add(as_bytes("H"), as_bytes(chunk), false);  // a 64 KB burst
  q.start();
  q.done([](message_id) {});
  EXPECT_GE(q.capacity(), 64000u);  // kept while writes stay large: no reallocation per write
  for (int round = 0; round < 2; ++round) {  // each side of the queue writes once
    q.add(as_bytes("PINGREQ"), {}, false);
    q.start();
    q.done([](message_id) {});
  }
  EXPECT_LT(q.capacity(), 4096u);
}

TEST(WriteQueue, SteadyLargeWritesKeepTheirBuffers) {
  detail::write_queue q;
  std::string chunk(1000, 'x');
  std::size_t warm = 0;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 64; ++i) q.add(as_bytes("H"), as_bytes(chunk), false);
    q.start();
    q.done([](message_id) {});
    if (round == 1) warm = q.capacity();
  }
  EXPECT_EQ(q.capacity(), warm);
}

TEST(WriteQueue, AQuietConnectionGivesBackWhatItHolds) {
  detail::write_queue q;
  q.add(as_bytes("CONNECT"), {}, false);
  q.start();
  q.done([](message_id) {});
  q.add(as_bytes("PINGREQ"), {}, false);
  q.start();
  q.add(as_bytes("PUBACK"), {}, false);  // waits behind the write in flight
  q.release_idle();
  EXPECT_TRUE(q.has_pending());  // nothing queued or in flight is touched
  EXPECT_TRUE(q.in_flight());
  q.done([](message_id) {});
  auto bufs = q.start();
  ASSERT_EQ(bufs.size(), 1u);
  EXPECT_EQ(joined(bufs), "PUBACK");
  q.done([](message_id) {});
  EXPECT_GT(q.capacity(), 0u);
  q.release_idle();
  EXPECT_EQ(q.capacity(), 0u);
}

TEST(WriteQueue, ClearReportsEveryMessageNeverWritten) {
  detail::write_queue q;
  q.add(as_bytes("A"), {}, false);
  q.complete_when_written(1);
  q.start();
  q.add(as_bytes("B"), {}, false);
  q.complete_when_written(2);
  std::vector<message_id> lost;
  q.clear([&](message_id mid) { lost.push_back(mid); });
  EXPECT_EQ(lost, (std::vector<message_id>{1, 2}));
  EXPECT_FALSE(q.has_pending());
  EXPECT_FALSE(q.in_flight());
  lost.clear();
  q.clear([&](message_id mid) { lost.push_back(mid); });  // reported once only
  EXPECT_TRUE(lost.empty());
}

}  // namespace
}  // namespace tern::test::write_queue_test
