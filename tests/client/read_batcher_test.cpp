#include "client/read_batcher.hpp"

#include <gtest/gtest.h>

namespace tern::detail::read_batcher_test {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
constexpr clock::duration none = clock::duration::zero();

// Feeds `reads` reads of `messages` each, `every` apart; returns the last hold.
clock::duration stream(read_batcher& b, clock::time_point& t, int reads, clock::duration every, std::uint64_t messages) {
  clock::duration hold = none;
  for (int i = 0; i < reads; ++i) {
    t += every;
    hold = b.hold_after(t, messages);
  }
  return hold;
}

TEST(ReadBatcher, HoldsALiveStreamLongEnoughToGatherABatchAtMostTheLongest) {
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  // 20,000 msgs/s read one at a time: 32 of them take 1.6 ms, over the longest.
  EXPECT_EQ(stream(b, t, 200, microseconds(50), 1), milliseconds(1));
  // 100,000 msgs/s (10 per 100 µs read): 32 of them take 320 µs.
  auto hold = stream(b, t, 200, microseconds(100), 10);
  EXPECT_GT(hold, microseconds(310));
  EXPECT_LT(hold, microseconds(330));
}

TEST(ReadBatcher, ASlowStreamIsNotHeld) {
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  // 3,000 msgs/s: a 1 ms hold would gather 3, under `fewest`.
  for (int i = 0; i < 300; ++i) {
    t += microseconds(333);
    EXPECT_EQ(b.hold_after(t, 1), none) << "read " << i;
  }
}

TEST(ReadBatcher, AStreamThatBatchesByItselfIsNotHeld) {
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  // A drained backlog at 400,000 msgs/s: a hold for 32 would be 80 µs. (While
  // the averages forget the quiet spell before it, a few reads are held.)
  stream(b, t, 60, microseconds(100), 40);
  for (int i = 0; i < 300; ++i) {
    t += microseconds(100);
    EXPECT_EQ(b.hold_after(t, 40), none) << "read " << i;
  }
}

TEST(ReadBatcher, MessagesCloseTogetherInASlowStreamAreNotHeld) {
  // Pairs 100 µs apart every 10 ms: each second read alone looks like
  // 10,000 msgs/s, but the stream is 200 msgs/s.
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  for (int i = 0; i < 200; ++i) {
    t += milliseconds(10) - microseconds(100);
    EXPECT_EQ(b.hold_after(t, 1), none) << "pair " << i;
    t += microseconds(100);
    EXPECT_EQ(b.hold_after(t, 1), none) << "pair " << i;
  }
}

TEST(ReadBatcher, ReadsWithoutMessagesAreNotHeld) {
  // The acknowledgements of a fast publisher's own messages.
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  EXPECT_EQ(stream(b, t, 500, microseconds(20), 0), none);
}

TEST(ReadBatcher, AStreamIsHeldOnlyOnceAFewDozenReadsShowIt) {
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  t += std::chrono::seconds(5);  // a quiet spell, counted as a second
  EXPECT_EQ(b.hold_after(t, 1), none);
  int reads = 1;
  while (b.hold_after(t += microseconds(50), 1) == none) ++reads;
  EXPECT_GE(reads, 10);
  EXPECT_LE(reads, 40);
}

TEST(ReadBatcher, AHoldEndsWhenTheStreamSlowsDown) {
  read_batcher b(milliseconds(1));
  clock::time_point t{};
  ASSERT_EQ(stream(b, t, 200, microseconds(50), 1), milliseconds(1));
  // Down to 500 msgs/s: within a few reads no hold is made.
  int held = 0;
  for (int i = 0; i < 50; ++i) {
    t += milliseconds(2);
    held += b.hold_after(t, 1) != none;
  }
  EXPECT_LT(held, 10);
  EXPECT_EQ(b.hold_after(t += milliseconds(2), 1), none);
}

}  // namespace
}  // namespace tern::detail::read_batcher_test
