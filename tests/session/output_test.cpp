// The session's reusable buffers for packet heads and log text: a quiet
// connection gives their memory back (session::release_buffers).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session/output.hpp"

namespace tern::test::output_test {
namespace {

TEST(Output, ReleaseGivesBackTheLogText) {
  detail::output out;
  const auto fresh = out.capacity();
  std::vector<action> actions;
  out.begin(actions);
  // Longer than std::string's inline storage, as the CONNACK's info line is.
  out.log(log_level::info, "Connected to the broker (session present: %d)", 0);
  out.finish();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(std::get<log_line>(actions[0]).text, "Connected to the broker (session present: 0)");
  EXPECT_GT(out.capacity(), fresh);
  out.release();
  // Moving an empty std::string in keeps the old buffer (libstdc++ copies
  // short strings into it): release must free it, not only empty it.
  EXPECT_EQ(out.capacity(), fresh);
}

TEST(Output, ReleaseGivesBackThePacketHeads) {
  detail::output out;
  const auto fresh = out.capacity();
  std::vector<action> actions;
  out.begin(actions);
  out.send(packet_view{pingreq{}});
  out.finish();
  EXPECT_GT(out.capacity(), fresh);
  out.release();
  EXPECT_EQ(out.capacity(), fresh);
}

}  // namespace
}  // namespace tern::test::output_test
