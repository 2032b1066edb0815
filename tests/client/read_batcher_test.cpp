#include "client/read_batcher.hpp"

#include <gtest/gtest.h>

namespace tern::detail::read_batcher_test {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
constexpr clock::duration none = clock::duration::zero();

// What `feed` saw: the last hold, and how many of the reads were followed by one.
struct holds {
  clock::duration last = none;
  int count = 0;
};
// A batcher whose longest hold is 1 ms, and the time of its last read.
struct ReadBatcher : ::testing::Test {
  read_batcher b{milliseconds(1)};
  clock::time_point t{};

  // Feeds `reads` reads of `messages` each, `every` apart.
  holds feed(int reads, clock::duration every, std::uint64_t messages) {
    holds h;
    for (int i = 0; i < reads; ++i) {
      t += every;
      h.last = b.hold_after(t, messages);
      h.count += h.last != none;
    }
    return h;
  }
};

TEST_F(ReadBatcher, HoldsALiveStreamLongEnoughToGatherABatchAtMostTheLongest) {
  // 20,000 msgs/s read one at a time: 32 of them take 1.6 ms, over the longest.
  EXPECT_EQ(feed(200, microseconds(50), 1).last, milliseconds(1));
  // 100,000 msgs/s (10 per 100 µs read): 32 of them take 320 µs.
  auto hold = feed(200, microseconds(100), 10).last;
  EXPECT_GT(hold, microseconds(310));
  EXPECT_LT(hold, microseconds(330));
}

TEST_F(ReadBatcher, ASlowStreamIsNotHeld) {
  // 3,000 msgs/s: a 1 ms hold would gather 3, under `fewest`.
  EXPECT_EQ(feed(300, microseconds(333), 1).count, 0);
}

TEST_F(ReadBatcher, AStreamThatBatchesByItselfIsNotHeld) {
  // A drained backlog at 400,000 msgs/s: a hold for 32 would be 80 µs. (While
  // the averages forget the quiet spell before it, a few reads are held.)
  feed(60, microseconds(100), 40);
  EXPECT_EQ(feed(300, microseconds(100), 40).count, 0);
}

TEST_F(ReadBatcher, MessagesCloseTogetherInASlowStreamAreNotHeld) {
  // Pairs 100 µs apart every 10 ms: each second read alone looks like
  // 10,000 msgs/s, but the stream is 200 msgs/s.
  for (int i = 0; i < 200; ++i) {
    t += milliseconds(10) - microseconds(100);
    EXPECT_EQ(b.hold_after(t, 1), none) << "pair " << i;
    t += microseconds(100);
    EXPECT_EQ(b.hold_after(t, 1), none) << "pair " << i;
  }
}

TEST_F(ReadBatcher, ReadsWithoutMessagesAreNotHeld) {
  // The acknowledgements of a fast publisher's own messages.
  EXPECT_EQ(feed(500, microseconds(20), 0).count, 0);
}

TEST_F(ReadBatcher, AStreamIsHeldOnlyOnceAFewDozenReadsShowIt) {
  t += std::chrono::seconds(5);  // a quiet spell, counted as a second
  EXPECT_EQ(b.hold_after(t, 1), none);
  int reads = 1;
  while (b.hold_after(t += microseconds(50), 1) == none) ++reads;
  EXPECT_GE(reads, 10);
  EXPECT_LE(reads, 40);
}

TEST_F(ReadBatcher, AHoldEndsWhenTheStreamSlowsDown) {
  ASSERT_EQ(feed(200, microseconds(50), 1).last, milliseconds(1));
  // Down to 500 msgs/s: within a few reads no hold is made.
  EXPECT_LT(feed(50, milliseconds(2), 1).count, 10);
  EXPECT_EQ(b.hold_after(t += milliseconds(2), 1), none);
}

}  // namespace
}  // namespace tern::detail::read_batcher_test
