// The encoder: gather I/O for PUBLISH, sizes, and what it refuses to encode.

#include <gtest/gtest.h>

#include <array>

#include "test_util.hpp"

namespace tern::test::encode_test {
namespace {

TEST(Encode, PublishPayloadIsNotCopied) {
  std::string payload(1000, 'x');
  publish_view p{"a/b", as_bytes(payload), qos::at_least_once, false, false, 5};
  auto size = codec::encoded_head_size(p);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 1u + 2u + 5u + 2u);  // fixed header with a 2-byte varint (1007), topic, packet id
  std::array<std::byte, 16> head{};
  auto e = codec::encode(p, head);
  EXPECT_EQ(e.head.size(), *size);
  EXPECT_EQ(e.payload.data(), as_bytes(payload).data());  // the caller's bytes, for gather I/O
  EXPECT_EQ(e.size(), 1010u);
  EXPECT_EQ(to_hex(e.head), "32 ef 07 00 03 61 2f 62 00 05");
}

TEST(Encode, HeadSizeOfEveryOtherPacketIsTheWholePacket) {
  packet_view p = pubrel{7};
  ASSERT_EQ(*codec::encoded_head_size(p), 4u);
  std::array<std::byte, 4> out{};
  auto e = codec::encode(p, out);
  EXPECT_TRUE(e.payload.empty());
  EXPECT_EQ(to_hex(e.head), "62 02 00 07");
}

struct refusal {
  const char* name;
  packet_view packet;
  errc expected;
};

const std::string long_string(65'536, 'a');
constexpr std::array<subscribe_entry, 1> bad_qos_entry{{{"a", static_cast<qos>(3)}}};

class EncodeRefuses : public ::testing::TestWithParam<refusal> {};

TEST_P(EncodeRefuses, WithTheExactError) {
  const auto& c = GetParam();
  EXPECT_EQ(codec::encoded_head_size(c.packet).error(), make_error_code(c.expected));
  bytes out;
  EXPECT_EQ(codec::encode_to(c.packet, out), make_error_code(c.expected));
  EXPECT_TRUE(out.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, EncodeRefuses,
    ::testing::Values(
        refusal{"topic_too_long", publish_view{long_string, {}, qos::at_most_once, false, false, 0},
                errc::string_too_long},
        refusal{"publish_qos1_id0", publish_view{"a", {}, qos::at_least_once, false, false, 0},
                errc::zero_packet_id},
        refusal{"publish_qos3", publish_view{"a", {}, static_cast<qos>(3), false, false, 1}, errc::invalid_qos_argument},
        refusal{"publish_dup_qos0", publish_view{"a", {}, qos::at_most_once, false, true, 0}, errc::dup_on_qos0},
        refusal{"password_without_user",
                connect_view{protocol_version::v3_1_1, true, 0, "c", {}, {}, as_bytes("pw")},
                errc::password_without_user_name},
        refusal{"client_id_too_long", connect_view{protocol_version::v3_1_1, true, 0, long_string, {}, {}, {}},
                errc::string_too_long},
        refusal{"will_qos3",
                connect_view{protocol_version::v3_1_1, true, 0, "c", will_view{"w", {}, static_cast<qos>(3), false},
                             {}, {}},
                errc::invalid_qos_argument},
        refusal{"subscribe_empty", subscribe_view{1, {}}, errc::no_topic_filters},
        refusal{"subscribe_id0", subscribe_view{0, bad_qos_entry}, errc::zero_packet_id},
        refusal{"subscribe_qos3", subscribe_view{1, bad_qos_entry}, errc::invalid_qos_argument},
        refusal{"unsubscribe_empty", unsubscribe_view{1, {}}, errc::no_topic_filters},
        refusal{"puback_id0", puback{0}, errc::zero_packet_id},
        refusal{"connack_code_9", connack_view{false, 9}, errc::invalid_connack_code}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Encode, RemainingLengthOverTheVarintMaximum) {
  // Sizing never reads the payload, so a view of the claimed size is enough.
  publish_view p{"a", bytes_view(reinterpret_cast<const std::byte*>(long_string.data()), 268'435'453),
                 qos::at_most_once, false, false, 0};
  EXPECT_EQ(codec::encoded_head_size(p).error(), errc::packet_too_large);
  p.payload = p.payload.first(268'435'452);  // 2 + 1 + payload = 268,435,455
  EXPECT_EQ(*codec::encoded_head_size(p), 1u + 4u + 3u);
}

}  // namespace
}  // namespace tern::test::encode_test
