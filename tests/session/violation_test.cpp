// Protocol violations by the broker close the link with a precise reason
// [MQTT-4.8.0-1] and never crash or throw.
#include "harness.hpp"

namespace tern::test::violation_test {
namespace {

struct violation {
  const char* name;
  const char* bytes;
  errc reason;
  bool before_connack = false;
};

const violation violations[] = {
    {"connect", "10 0e 00 04 'MQTT' 04 02 00 3c 00 02 'c1'", errc::unexpected_packet},
    {"subscribe", "82 06 00 01 00 01 'a' 00", errc::unexpected_packet},
    {"unsubscribe", "a2 05 00 01 00 01 'a'", errc::unexpected_packet},
    {"pingreq", "c0 00", errc::unexpected_packet},
    {"disconnect", "e0 00", errc::unexpected_packet},
    {"second_connack", "20 02 00 00", errc::duplicate_connack},
    {"publish_before_connack", "30 03 00 01 'a'", errc::packet_before_connack, true},
    {"pingresp_before_connack", "d0 00", errc::packet_before_connack, true},
    {"malformed_pubrel_flags", "60 02 00 01", errc::bad_fixed_header_flags},  // [MQTT-3.6.1-1]
    {"malformed_qos3", "36 03 00 01 'a'", errc::invalid_qos},                  // [MQTT-3.3.1-4]
    {"malformed_wildcard", "30 03 00 01 '#'", errc::wildcard_in_topic_name},   // [MQTT-3.3.2-2]
    {"malformed_id_zero", "32 05 00 01 'a' 00 00", errc::zero_packet_id},      // [MQTT-2.3.1-1]
    {"malformed_puback_length", "40 03 00 01 00", errc::remaining_length_mismatch},
    {"malformed_connack_code", "20 02 00 06", errc::invalid_connack_code, true},
    {"reserved_type", "f0 00", errc::reserved_packet_type},
    {"varint_too_long", "30 ff ff ff ff 01", errc::remaining_length_too_long},
    {"publish_over_max_size", "30 12 00 01 'a' 'payload!payload'", errc::packet_too_large},
};

class ViolationTest : public ::testing::TestWithParam<std::tuple<violation, protocol_version>> {};

TEST_P(ViolationTest, ClosesWithPreciseReason) {
  auto [v, version] = GetParam();
  session_options so;
  so.max_packet_size = 16;
  harness h(so);
  if (v.before_connack)
    ASSERT_FALSE(h.connect(harness::default_options(version)));
  else
    h.open(harness::default_options(version));
  // Trailing bytes after the bad packet are ignored.
  auto bytes = hex(v.bytes);
  auto trailer = hex("30 03 00 01 'a'");
  bytes.insert(bytes.end(), trailer.begin(), trailer.end());
  h.feed(bytes);
  EXPECT_EQ(h.closed(), make_error_code(v.reason)) << h.closed().message();
  EXPECT_EQ(h.count<connection_closed>(), 1u);
  EXPECT_EQ(h.count<message_received>(), 0u);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_FALSE(h.s.is_open());
  EXPECT_TRUE(h.logged(log_level::err, "Connection closed"));
  // The session survives and connects again.
  h.open(harness::default_options(version));
}

INSTANTIATE_TEST_SUITE_P(All, ViolationTest,
                         ::testing::Combine(::testing::ValuesIn(violations), ::testing::ValuesIn(both_versions)),
                         [](const auto& i) {
                           return std::string(std::get<0>(i.param).name) +
                                  (std::get<1>(i.param) == protocol_version::v3_1 ? "_v3_1" : "_v3_1_1");
                         });

TEST(Violation, UnknownPubackIsNotAViolation) {
  harness h;
  h.open();
  h.feed(hex("40 02 12 34"));
  EXPECT_TRUE(h.s.is_connected());
  EXPECT_TRUE(h.logged(log_level::warning, "PUBACK for unknown packet id 4660"));
}

}  // namespace
}  // namespace tern::test::violation_test
