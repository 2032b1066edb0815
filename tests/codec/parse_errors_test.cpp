// One test per validation rule of the decoder, each asserting the exact error.

#include <gtest/gtest.h>

#include <set>

#include "test_util.hpp"

namespace tern::test::parse_errors_test {
namespace {

std::error_code error_of(const char* wire, protocol_version v = protocol_version::v3_1_1,
                         std::size_t max_packet = codec::default_max_packet) {
  auto b = hex(wire);
  auto r = decode_whole(b, v, max_packet);
  return r ? std::error_code{} : std::error_code(r.error());
}

struct error_case {
  const char* name;
  const char* wire;
  errc expected;
  protocol_version version = protocol_version::v3_1_1;
};

class ParseErrors : public ::testing::TestWithParam<error_case> {};

TEST_P(ParseErrors, ExactError) {
  const auto& c = GetParam();
  auto ec = error_of(c.wire, c.version);
  EXPECT_EQ(ec, make_error_code(c.expected)) << ec.message();
  EXPECT_FALSE(ec.message().empty());
}

// Also through the stream decoder, fed one byte at a time: the same error, and
// it sticks until reset.
TEST_P(ParseErrors, SameErrorFromTheStreamDecoder) {
  const auto& c = GetParam();
  auto wire = hex(c.wire);
  codec::stream_decoder d(codec::default_max_packet, c.version);
  std::error_code got;
  for (auto b : wire) {
    d.feed(bytes_view(&b, 1));
    auto r = d.next();
    if (auto* ec = std::get_if<std::error_code>(&r)) { got = *ec; break; }
    ASSERT_FALSE(std::holds_alternative<packet_view>(r));
  }
  EXPECT_EQ(got, make_error_code(c.expected));
  EXPECT_TRUE(std::holds_alternative<std::error_code>(d.next()));
  d.reset();
  EXPECT_TRUE(std::holds_alternative<codec::need_more>(d.next()));
}

const error_case cases[] = {
    // 2.2.1: packet types 0 and 15
    {"type_0", "00 00", errc::reserved_packet_type},
    {"type_15", "f0 00", errc::reserved_packet_type},
    // 2.2.3: a fifth Remaining Length byte
    {"varint_5_bytes", "30 ff ff ff ff 01", errc::remaining_length_too_long},
    // [MQTT-2.2.2-1/2]: flags wrong for the type
    {"connect_flags", "11 0c 00 04 4d 51 54 54 04 02 00 00 00 00", errc::bad_fixed_header_flags},
    {"connack_flags", "21 02 00 00", errc::bad_fixed_header_flags},
    {"puback_flags", "42 02 00 01", errc::bad_fixed_header_flags},
    {"pubrec_flags", "52 02 00 01", errc::bad_fixed_header_flags},
    {"pubrel_flags_0", "60 02 00 01", errc::bad_fixed_header_flags},
    {"pubcomp_flags", "72 02 00 01", errc::bad_fixed_header_flags},
    {"subscribe_flags_0", "80 06 00 01 00 01 61 00", errc::bad_fixed_header_flags},
    {"suback_flags", "92 03 00 01 00", errc::bad_fixed_header_flags},
    {"unsubscribe_flags_0", "a0 05 00 01 00 01 61", errc::bad_fixed_header_flags},
    {"unsuback_flags", "b1 02 00 01", errc::bad_fixed_header_flags},
    {"pingreq_flags", "c1 00", errc::bad_fixed_header_flags},
    {"pingresp_flags", "d8 00", errc::bad_fixed_header_flags},
    {"disconnect_flags", "e1 00", errc::bad_fixed_header_flags},
    // [MQTT-3.3.1-4] QoS 3; [MQTT-3.3.1-2] DUP on QoS 0
    {"publish_qos3", "36 07 00 03 61 2f 62 00 01", errc::invalid_qos},
    {"publish_dup_qos0", "38 05 00 03 61 2f 62", errc::dup_on_qos0},
    // a length prefix longer than the bytes left
    {"topic_prefix_overflow", "30 04 00 05 61 62", errc::length_prefix_overflow},
    {"publish_missing_packet_id", "32 06 00 03 61 2f 62 00", errc::length_prefix_overflow},
    {"connect_client_id_overflow", "10 0d 00 04 4d 51 54 54 04 02 00 00 00 09 61", errc::length_prefix_overflow},
    {"subscribe_missing_qos", "82 05 00 01 00 01 61", errc::length_prefix_overflow},
    {"connect_truncated_header", "10 06 00 04 4d 51 54 54", errc::length_prefix_overflow},
    // Remaining Length inconsistent with the contents
    {"puback_long", "40 03 00 01 00", errc::remaining_length_mismatch},
    {"puback_short", "40 01 00", errc::remaining_length_mismatch},
    {"connack_short", "20 01 00", errc::remaining_length_mismatch},
    {"pingresp_body", "d0 01 00", errc::remaining_length_mismatch},
    {"disconnect_body", "e0 01 00", errc::remaining_length_mismatch},
    {"connect_trailing", "10 0e 00 04 4d 51 54 54 04 02 00 00 00 01 61 ff", errc::remaining_length_mismatch},
    {"suback_no_codes", "90 02 00 01", errc::remaining_length_mismatch},
    // [MQTT-1.5.3-1] ill-formed UTF-8; [MQTT-1.5.3-2] U+0000
    {"utf8_overlong", "30 05 00 03 61 c0 af", errc::utf8_ill_formed},
    {"utf8_surrogate", "30 06 00 04 61 ed a0 80", errc::utf8_ill_formed},
    {"utf8_truncated", "30 05 00 03 61 62 e2", errc::utf8_ill_formed},
    {"utf8_lone_continuation", "30 05 00 03 61 80 62", errc::utf8_ill_formed},
    {"utf8_above_10ffff", "30 07 00 05 61 f4 90 80 80", errc::utf8_ill_formed},
    {"utf8_in_client_id", "10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 ff", errc::utf8_ill_formed},
    {"utf8_in_filter", "82 06 00 01 00 01 c1 00", errc::utf8_ill_formed},
    {"null_in_topic", "30 05 00 03 61 00 62", errc::utf8_contains_null},
    {"null_in_user_name", "10 10 00 04 4d 51 54 54 04 82 00 00 00 01 61 00 01 00", errc::utf8_contains_null},
    // [MQTT-3.3.2-2] wildcards in a topic name, also in the Will topic [MQTT-3.1.3-10]
    {"publish_plus", "30 05 00 03 61 2f 2b", errc::wildcard_in_topic_name},
    {"publish_hash", "30 05 00 03 61 2f 23", errc::wildcard_in_topic_name},
    {"will_topic_hash", "10 12 00 04 4d 51 54 54 04 06 00 00 00 01 61 00 01 23 00 00",
     errc::wildcard_in_topic_name},
    // [MQTT-4.7.3-1] empty topic
    {"publish_empty_topic", "30 02 00 00", errc::empty_topic},
    {"subscribe_empty_filter", "82 05 00 01 00 00 00", errc::empty_topic},
    // [MQTT-2.3.1-1] packet id 0
    {"publish_qos1_id0", "32 07 00 03 61 2f 62 00 00", errc::zero_packet_id},
    {"puback_id0", "40 02 00 00", errc::zero_packet_id},
    {"pubrel_id0", "62 02 00 00", errc::zero_packet_id},
    {"subscribe_id0", "82 06 00 00 00 01 61 00", errc::zero_packet_id},
    {"suback_id0", "90 03 00 00 00", errc::zero_packet_id},
    {"unsuback_id0", "b0 02 00 00", errc::zero_packet_id},
    // [MQTT-3.8.3-3], [MQTT-3.10.3-2] no topic
    {"subscribe_no_filter", "82 02 00 01", errc::no_topic_filters},
    {"unsubscribe_no_filter", "a2 02 00 01", errc::no_topic_filters},
    // [MQTT-3.8.3-4] requested QoS byte
    {"subscribe_qos3", "82 06 00 01 00 01 61 03", errc::invalid_subscribe_options},
    {"subscribe_reserved_bits", "82 06 00 01 00 01 61 04", errc::invalid_subscribe_options},
    // [MQTT-3.9.3-2] SUBACK codes; 3.1 has no 0x80
    {"suback_code_3", "90 03 00 01 03", errc::invalid_suback_code},
    {"suback_code_81", "90 04 00 01 00 81", errc::invalid_suback_code},
    {"suback_80_in_v31", "90 03 00 01 80", errc::invalid_suback_code, protocol_version::v3_1},
    // 3.2.2.1 CONNACK reserved bits; Table 3.1 return code over 5
    {"connack_reserved", "20 02 02 00", errc::connack_reserved_bits},
    {"connack_code_6", "20 02 00 06", errc::invalid_connack_code},
    {"connack_code_ff_v31", "20 02 00 ff", errc::invalid_connack_code, protocol_version::v3_1},
    // CONNECT: protocol name/level, reserved flag, will flags, password without user name
    {"connect_mqtt_level3", "10 0c 00 04 4d 51 54 54 03 02 00 00 00 00", errc::unknown_protocol},
    {"connect_mqisdp_level4", "10 0e 00 06 4d 51 49 73 64 70 04 02 00 00 00 00", errc::unknown_protocol},
    {"connect_lowercase_name", "10 0c 00 04 6d 71 74 74 04 02 00 00 00 00", errc::unknown_protocol},
    {"connect_level5", "10 0c 00 04 4d 51 54 54 05 02 00 00 00 00", errc::unknown_protocol},
    {"connect_reserved_flag", "10 0c 00 04 4d 51 54 54 04 03 00 00 00 00", errc::connect_reserved_flag},
    {"connect_will_qos_no_will", "10 0c 00 04 4d 51 54 54 04 0a 00 00 00 00", errc::inconsistent_will_flags},
    {"connect_will_retain_no_will", "10 0c 00 04 4d 51 54 54 04 22 00 00 00 00", errc::inconsistent_will_flags},
    {"connect_will_qos3", "10 12 00 04 4d 51 54 54 04 1e 00 00 00 01 61 00 01 61 00 00", errc::invalid_qos},
    {"connect_password_no_user", "10 0f 00 04 4d 51 54 54 04 42 00 00 00 00 00 01 70",
     errc::password_without_user_name},
};

INSTANTIATE_TEST_SUITE_P(EveryRule, ParseErrors, ::testing::ValuesIn(cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ParseErrors, RemainingLengthOverTheMaximumBeforeTheBodyArrives) {
  // Only the fixed header is present: the limit is checked before waiting for
  // (or reserving room for) the body.
  auto wire = hex("30 ff ff ff 7f");
  auto r = codec::frame_reader(1024).next(wire);
  ASSERT_TRUE(std::holds_alternative<std::error_code>(r));
  EXPECT_EQ(std::get<std::error_code>(r), errc::packet_too_large);

  codec::stream_decoder d(1024);
  d.feed(wire);
  auto n = d.next();
  ASSERT_TRUE(std::holds_alternative<std::error_code>(n));
  EXPECT_EQ(std::get<std::error_code>(n), errc::packet_too_large);
}

TEST(ParseErrors, MaximumPacketSizeIsInclusive) {
  auto wire = hex("30 05 00 03 61 2f 62");
  EXPECT_TRUE(decode_whole(wire, protocol_version::v3_1_1, 5));
  EXPECT_EQ(decode_whole(wire, protocol_version::v3_1_1, 4).error(), errc::packet_too_large);
}

TEST(ParseErrors, EveryCodecErrorHasItsOwnMessage) {
  std::set<std::string> messages;
  for (int e = static_cast<int>(errc::reserved_packet_type); e <= static_cast<int>(errc::disconnected); ++e)
    EXPECT_TRUE(messages.insert(make_error_code(static_cast<errc>(e)).message()).second) << e;
  EXPECT_EQ(std::string(tern_category().name()), "tern");
  EXPECT_EQ(make_error_code(connack_error::not_authorized).message(), "connection refused: not authorized");
}

}  // namespace
}  // namespace tern::test::parse_errors_test
