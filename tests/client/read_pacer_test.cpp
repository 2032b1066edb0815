#include "client/read_pacer.hpp"

#include <gtest/gtest.h>

namespace tern::detail {
namespace {

using std::chrono::microseconds;
constexpr std::size_t capacity = 16 * 1024;
constexpr clock::duration pause = microseconds(60);

TEST(ReadPacer, PausesOnlyAfterAStreakOfQuickReads) {
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 1; i < read_pacer::streak_needed; ++i)
    EXPECT_FALSE(p.pause_before_next(t, t + microseconds(5), 64, capacity)) << "read " << i;
  EXPECT_TRUE(p.pause_before_next(t, t + microseconds(5), 64, capacity));
}

TEST(ReadPacer, AReadThatWaitedOutThePauseKeepsTheStreak) {
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < read_pacer::streak_needed; ++i) p.pause_before_next(t, t + microseconds(5), 64, capacity);
  EXPECT_TRUE(p.pause_before_next(t, t + pause + microseconds(2), 640, capacity));
}

TEST(ReadPacer, ASlowReadEndsTheStreak) {
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < read_pacer::streak_needed; ++i) p.pause_before_next(t, t + microseconds(5), 64, capacity);
  EXPECT_FALSE(p.pause_before_next(t, t + microseconds(150), 64, capacity));
  EXPECT_FALSE(p.pause_before_next(t, t + microseconds(5), 64, capacity)) << "a new streak starts";
}

TEST(ReadPacer, PacedTrafficNeverPauses) {
  // 5,000 msgs/s at QoS 2, as the subscriber sees it: PUBLISH, then PUBREL
  // 50 µs after the PUBREC went out, every 200 µs.
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(p.pause_before_next(t, t + microseconds(140), 100, capacity));
    EXPECT_FALSE(p.pause_before_next(t, t + microseconds(50), 4, capacity));
  }
}

TEST(ReadPacer, AFullBufferNeedsNoPause) {
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(p.pause_before_next(t, t, capacity, capacity));
}

TEST(ReadPacer, ALongPauseStillCountsAsQuick) {
  read_pacer p(microseconds(500));
  clock::time_point t{};
  for (int i = 0; i < read_pacer::streak_needed; ++i) p.pause_before_next(t, t + microseconds(5), 64, capacity);
  EXPECT_TRUE(p.pause_before_next(t, t + microseconds(510), 64, capacity));
}

}  // namespace
}  // namespace tern::detail
