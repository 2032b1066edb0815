// The frame reader: Remaining Length boundaries and need_more.

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tern::test::frame_reader_test {
namespace {

TEST(FrameReader, RemainingLengthBoundaries) {
  // (2.2.3) Table 2.4: 1 to 4 bytes.
  struct { std::size_t length; const char* varint; } table[] = {
      {0, "00"}, {127, "7f"}, {128, "80 01"}, {16'383, "ff 7f"}, {16'384, "80 80 01"},
      {2'097'151, "ff ff 7f"}, {2'097'152, "80 80 80 01"}, {268'435'455, "ff ff ff 7f"}};
  for (const auto& row : table) {
    auto wire = hex("30");
    auto v = hex(row.varint);
    wire.insert(wire.end(), v.begin(), v.end());
    auto header = wire.size();
    auto r = codec::frame_reader().next(wire);
    ASSERT_TRUE(std::holds_alternative<codec::need_more>(r) || row.length == 0);
    if (row.length) {
      EXPECT_EQ(std::get<codec::need_more>(r).at_least, row.length) << row.length;
    }
    if (row.length <= 16'384) {  // materialise the small ones
      wire.resize(header + row.length);
      auto f = codec::frame_reader().next(wire);
      ASSERT_TRUE(std::holds_alternative<codec::frame>(f));
      EXPECT_EQ(std::get<codec::frame>(f).body.size(), row.length);
      EXPECT_EQ(std::get<codec::frame>(f).size, wire.size());
    }
  }
}

TEST(FrameReader, PaddedRemainingLengthIsAccepted) {
  // 3.1.1 does not require the shortest varint (only v5 does): accept it on receive.
  auto wire = hex("e0 80 00");
  auto r = codec::frame_reader().next(wire);
  ASSERT_TRUE(std::holds_alternative<codec::frame>(r));
  EXPECT_EQ(std::get<codec::frame>(r).size, 3u);
}

TEST(FrameReader, NeedMoreWhileTheHeaderIsIncomplete) {
  EXPECT_TRUE(std::holds_alternative<codec::need_more>(codec::frame_reader().next({})));
  auto wire = hex("30 80 80");
  for (std::size_t n = 1; n <= wire.size(); ++n) {
    auto r = codec::frame_reader().next(bytes_view(wire).first(n));
    EXPECT_TRUE(std::holds_alternative<codec::need_more>(r)) << n;
  }
}

TEST(FrameReader, StopsAtTheFirstPacket) {
  auto wire = hex("d0 00 d0 00");
  auto r = codec::frame_reader().next(wire);
  ASSERT_TRUE(std::holds_alternative<codec::frame>(r));
  EXPECT_EQ(std::get<codec::frame>(r).size, 2u);
}

}  // namespace
}  // namespace tern::test::frame_reader_test
