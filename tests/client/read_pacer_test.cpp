#include "client/read_pacer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tern::detail::read_pacer_test {
namespace {

using std::chrono::microseconds;
constexpr std::size_t capacity = 16 * 1024;
constexpr clock::duration pause = microseconds(60);
constexpr clock::duration none = clock::duration::zero();

// Reads whose data came 5 µs after the client was ready, one packet each,
// until the pacer asks for a pause; returns that pause.
clock::duration start_streak(read_pacer& p) {
  clock::time_point t{};
  for (int i = 1; i < read_pacer::streak_needed; ++i) EXPECT_EQ(p.pause_before_next(t, t + microseconds(5), 64, capacity, 1), none);
  return p.pause_before_next(t, t + microseconds(5), 64, capacity, 1);
}

TEST(ReadPacer, PausesOnlyAfterAStreakOfQuickReads) {
  read_pacer p(pause);
  EXPECT_EQ(start_streak(p), pause);
}

TEST(ReadPacer, AReadThatWaitedOutThePauseKeepsTheStreak) {
  read_pacer p(pause);
  start_streak(p);
  clock::time_point t{};
  EXPECT_EQ(p.pause_before_next(t, t + pause + microseconds(2), 640, capacity, 2), pause);
}

TEST(ReadPacer, ASlowReadEndsTheStreak) {
  read_pacer p(pause);
  start_streak(p);
  clock::time_point t{};
  EXPECT_EQ(p.pause_before_next(t, t + microseconds(150), 64, capacity, 1), none);
  EXPECT_EQ(p.pause_before_next(t, t + microseconds(5), 64, capacity, 1), none) << "a new streak starts";
}

TEST(ReadPacer, PacedTrafficNeverPauses) {
  // 5,000 msgs/s at QoS 2, as the subscriber sees it: PUBLISH, then PUBREL
  // 50 µs after the PUBREC went out, every 200 µs.
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(p.pause_before_next(t, t + microseconds(140), 100, capacity, 1), none);
    EXPECT_EQ(p.pause_before_next(t, t + microseconds(50), 4, capacity, 1), none);
  }
}

TEST(ReadPacer, AFullBufferNeedsNoPause) {
  read_pacer p(pause);
  clock::time_point t{};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(p.pause_before_next(t, t, capacity, capacity, 200), none);
}

TEST(ReadPacer, ALongPauseStillCountsAsQuick) {
  read_pacer p(microseconds(500));
  start_streak(p);
  clock::time_point t{};
  EXPECT_EQ(p.pause_before_next(t, t + microseconds(510), 64, capacity, 1), microseconds(500));
}

TEST(ReadPacer, APauseThatBringsSeveralPacketsGrowsToFourTimesTheSetting) {
  // 50,000 msgs/s: each pause finds more packets waiting than the last.
  read_pacer p(pause);
  auto wait = start_streak(p);
  clock::time_point t{};
  std::vector<clock::duration> pauses;
  for (int i = 0; i < 4; ++i) {
    wait = p.pause_before_next(t, t + wait + microseconds(1), 600, capacity, read_pacer::grow_at);
    pauses.push_back(wait);
  }
  EXPECT_EQ(pauses, (std::vector<clock::duration>{2 * pause, 4 * pause, 4 * pause, 4 * pause}));
}

TEST(ReadPacer, APauseThatBringsFewPacketsShrinksBackToTheSetting) {
  read_pacer p(pause);
  auto wait = start_streak(p);
  clock::time_point t{};
  wait = p.pause_before_next(t, t + wait, 600, capacity, read_pacer::grow_at);
  wait = p.pause_before_next(t, t + wait, 600, capacity, read_pacer::grow_at);
  ASSERT_EQ(wait, 4 * pause);
  // Traffic slows to 10,000 msgs/s: two packets per 240 µs pause.
  wait = p.pause_before_next(t, t + wait + microseconds(10), 128, capacity, 2);
  EXPECT_EQ(wait, 2 * pause);
  wait = p.pause_before_next(t, t + wait + microseconds(10), 64, capacity, 1);
  EXPECT_EQ(wait, pause);
  wait = p.pause_before_next(t, t + wait + microseconds(10), 64, capacity, 1);
  EXPECT_EQ(wait, pause) << "never below the setting";
}

TEST(ReadPacer, AReadLongAfterAPauseStartsOverAtTheSetting) {
  read_pacer p(pause);
  auto wait = start_streak(p);
  clock::time_point t{};
  wait = p.pause_before_next(t, t + wait, 600, capacity, read_pacer::grow_at);
  ASSERT_EQ(wait, 2 * pause);
  EXPECT_EQ(p.pause_before_next(t, t + wait + microseconds(100), 64, capacity, 1), none);
  EXPECT_EQ(start_streak(p), pause);
}

}  // namespace
}  // namespace tern::detail::read_pacer_test
