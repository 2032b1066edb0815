// The receive buffer's size: grows under load, shrinks back after it.

#include "client/read_sizer.hpp"

#include <gtest/gtest.h>

namespace tern::detail::read_sizer_test {
namespace {

using std::chrono::milliseconds;
constexpr clock::duration busy = std::chrono::microseconds(20);  // bytes were waiting

void fill_up(read_sizer& s) {
  while (s.size() < read_sizer::max_size) EXPECT_FALSE(s.on_read(s.size(), s.size(), busy));
}

TEST(ReadSizer, StartsSmallAndDoublesOnEveryFullRead) {
  read_sizer s;
  EXPECT_EQ(s.size(), read_sizer::min_size);
  s.on_read(s.size(), s.size(), busy);
  EXPECT_EQ(s.size(), 2 * read_sizer::min_size);
  fill_up(s);
  s.on_read(s.size(), s.size(), busy);
  EXPECT_EQ(s.size(), read_sizer::max_size);  // capped
}

TEST(ReadSizer, HalvesAfterARunOfLightReads) {
  read_sizer s;
  fill_up(s);
  for (int i = 1; i < read_sizer::light_reads_to_halve; ++i) EXPECT_FALSE(s.on_read(100, s.size(), busy));
  EXPECT_TRUE(s.on_read(100, s.size(), busy));
  EXPECT_EQ(s.size(), read_sizer::max_size / 2);
}

TEST(ReadSizer, AReadOfMoreThanAQuarterBreaksTheRun) {
  read_sizer s;
  fill_up(s);
  for (int i = 1; i < read_sizer::light_reads_to_halve; ++i) s.on_read(100, s.size(), busy);
  EXPECT_FALSE(s.on_read(s.size() / 2, s.size(), busy));
  for (int i = 1; i < read_sizer::light_reads_to_halve; ++i) EXPECT_FALSE(s.on_read(100, s.size(), busy));
  EXPECT_EQ(s.size(), read_sizer::max_size);
}

TEST(ReadSizer, AQuietConnectionGoesBackToTheSmallestAtOnce) {
  read_sizer s;
  fill_up(s);
  EXPECT_TRUE(s.on_read(2, s.size(), read_sizer::quiet));  // a PINGRESP after a silence
  EXPECT_EQ(s.size(), read_sizer::min_size);
  EXPECT_FALSE(s.on_read(2, s.size(), read_sizer::quiet));  // already there: nothing to give back
}

TEST(ReadSizer, NeverBelowTheSmallest) {
  read_sizer s;
  for (int i = 0; i < 10 * read_sizer::light_reads_to_halve; ++i) EXPECT_FALSE(s.on_read(1, s.size(), busy));
  EXPECT_EQ(s.size(), read_sizer::min_size);
}

TEST(ReadSizer, AFullReadAfterASilenceStillGrows) {
  read_sizer s;
  EXPECT_FALSE(s.on_read(s.size(), s.size(), milliseconds(5000)));
  EXPECT_EQ(s.size(), 2 * read_sizer::min_size);
}

}  // namespace
}  // namespace tern::detail::read_sizer_test
