// Byte-exact vectors for all 14 packet types in MQTT 3.1.1 and 3.1, written
// from the specification's field layouts (chapter 3), one field per line.

#include <gtest/gtest.h>

#include <array>
#include <algorithm>
#include <deque>
#include <set>

#include "test_util.hpp"

namespace tern::test::vectors_test {
namespace {

constexpr std::array<subscribe_entry, 2> sub_entries{{{"a/+", qos::at_least_once}, {"#", qos::exactly_once}}};
constexpr std::array<std::string_view, 2> unsub_filters{"a/+", "#"};
constexpr std::array<std::uint8_t, 3> suback_codes{0x01, 0x02, 0x80};
constexpr std::array<std::uint8_t, 2> suback_codes_31{0x00, 0x01};

struct vector_case {
  const char* name;
  protocol_version version;
  const char* wire;
  packet_view packet;
};

connect_view full_connect(protocol_version v) {
  connect_view c;
  c.version = v;
  c.clean_session = false;
  c.keep_alive = 10;
  c.client_id = "c";
  c.will = will_view{"w/t", as_bytes("bye"), qos::at_least_once, true};
  c.user_name = "u";
  c.password = as_bytes("p");
  return c;
}

// Packets whose layout is the same in MQTT 3.1 get a 3.1 twin of their 3.1.1
// vector; CONNECT, CONNACK with session present and SUBACK with 0x80 differ.
std::vector<vector_case> with_v31_twins(std::vector<vector_case> v) {
  std::vector<vector_case> twins;
  for (const auto& c : v) {
    if (c.version != protocol_version::v3_1_1) continue;
    const auto* ack = std::get_if<connack_view>(&c.packet);
    const auto* sub = std::get_if<suback_view>(&c.packet);
    bool differs = std::holds_alternative<connect_view>(c.packet) || (ack && ack->session_present) ||
                   (sub && std::ranges::find(sub->return_codes, suback_failure) != sub->return_codes.end());
    if (differs) continue;
    static std::deque<std::string> names;
    twins.push_back(c);
    twins.back().name = names.emplace_back(std::string(c.name) + "_v31").c_str();
    twins.back().version = protocol_version::v3_1;
  }
  v.insert(v.end(), twins.begin(), twins.end());
  return v;
}

const std::vector<vector_case>& cases() {
  static const std::vector<vector_case> v = with_v31_twins({
      {"connect_minimal", protocol_version::v3_1_1,
       "10 0e"                 // CONNECT, Remaining Length 14
       "00 04 4d 51 54 54"     // protocol name "MQTT"
       "04"                    // level 4
       "02"                    // flags: clean session
       "00 3c"                 // keep alive 60
       "00 02 61 62",          // client id "ab"
       connect_view{protocol_version::v3_1_1, true, 60, "ab", {}, {}, {}}},
      {"connect_empty_client_id", protocol_version::v3_1_1,
       "10 0c 00 04 4d 51 54 54 04 02 00 00"
       "00 00",                // [MQTT-3.1.3-3] zero-length client id is still present
       connect_view{protocol_version::v3_1_1, true, 0, "", {}, {}, {}}},
      {"connect_full", protocol_version::v3_1_1,
       "10 1d"
       "00 04 4d 51 54 54 04"
       "ec"                    // user, password, will retain, will QoS 1, will flag; clean session 0
       "00 0a"                 // keep alive 10
       "00 01 63"              // client id "c"
       "00 03 77 2f 74"        // will topic "w/t"
       "00 03 62 79 65"        // will message "bye"
       "00 01 75"              // user name "u"
       "00 01 70",             // password "p"
       full_connect(protocol_version::v3_1_1)},
      {"connect_v31", protocol_version::v3_1,
       "10 10"
       "00 06 4d 51 49 73 64 70"  // "MQIsdp"
       "03"                       // level 3
       "02 00 3c"
       "00 02 61 62",
       connect_view{protocol_version::v3_1, true, 60, "ab", {}, {}, {}}},
      {"connect_v31_full", protocol_version::v3_1,
       "10 1f 00 06 4d 51 49 73 64 70 03 ec 00 0a 00 01 63 00 03 77 2f 74 00 03 62 79 65 00 01 75 00 01 70",
       full_connect(protocol_version::v3_1)},
      {"connack_accepted", protocol_version::v3_1_1, "20 02 00 00", connack_view{false, 0}},
      {"connack_session_present", protocol_version::v3_1_1, "20 02 01 00", connack_view{true, 0}},
      {"connack_refused_5", protocol_version::v3_1_1, "20 02 00 05", connack_view{false, 5}},
      {"connack_v31", protocol_version::v3_1, "20 02 00 02", connack_view{false, 2}},
      {"publish_qos0", protocol_version::v3_1_1,
       "30 07"
       "00 03 61 2f 62"        // topic "a/b"
       "68 69",                // payload "hi" (no packet id at QoS 0 [MQTT-2.3.1-5])
       publish_view{"a/b", as_bytes("hi"), qos::at_most_once, false, false, 0}},
      {"publish_qos1_dup_retain", protocol_version::v3_1_1,
       "3b 08"                 // DUP, QoS 1, RETAIN
       "00 03 61 2f 62"
       "12 34"                 // packet id 0x1234
       "78",
       publish_view{"a/b", as_bytes("x"), qos::at_least_once, true, true, 0x1234}},
      {"publish_qos2_empty_payload", protocol_version::v3_1_1, "34 07 00 03 61 2f 62 ff ff",
       publish_view{"a/b", {}, qos::exactly_once, false, false, 0xFFFF}},
      {"publish_utf8_topic_with_bom", protocol_version::v3_1_1,
       "30 0a"
       "00 06 ef bb bf c3 a9 2f"  // topic U+FEFF "é/": the BOM is kept [MQTT-1.5.3-3]
       "e2 82",                   // payload: binary, not checked as UTF-8
       publish_view{"\xEF\xBB\xBF\xC3\xA9/", as_bytes("\xE2\x82"), qos::at_most_once, false, false, 0}},
      {"puback", protocol_version::v3_1_1, "40 02 00 01", puback{1}},
      {"pubrec", protocol_version::v3_1_1, "50 02 00 02", pubrec{2}},
      {"pubrel", protocol_version::v3_1_1, "62 02 00 03", pubrel{3}},  // [MQTT-3.6.1-1] flags 0010
      {"pubcomp", protocol_version::v3_1_1, "70 02 ff fe", pubcomp{0xFFFE}},
      {"subscribe", protocol_version::v3_1_1,
       "82 0c"                 // [MQTT-3.8.1-1] flags 0010
       "00 0a"                 // packet id 10
       "00 03 61 2f 2b 01"     // "a/+" QoS 1
       "00 01 23 02",          // "#" QoS 2
       subscribe_view{10, sub_entries}},
      {"suback", protocol_version::v3_1_1, "90 05 00 0a 01 02 80", suback_view{10, suback_codes}},
      {"suback_v31", protocol_version::v3_1, "90 04 00 0a 00 01", suback_view{10, suback_codes_31}},
      {"unsubscribe", protocol_version::v3_1_1,
       "a2 0a"                 // [MQTT-3.10.1-1] flags 0010
       "00 0b"
       "00 03 61 2f 2b"
       "00 01 23",
       unsubscribe_view{11, unsub_filters}},
      {"unsuback", protocol_version::v3_1_1, "b0 02 00 0b", unsuback{11}},
      {"pingreq", protocol_version::v3_1_1, "c0 00", pingreq{}},
      {"pingresp", protocol_version::v3_1_1, "d0 00", pingresp{}},
      {"disconnect", protocol_version::v3_1_1, "e0 00", disconnect{}},
  });
  return v;
}

class Vectors : public ::testing::TestWithParam<vector_case> {};

TEST_P(Vectors, DecodesToThePacket) {
  const auto& c = GetParam();
  auto wire = hex(c.wire);
  auto p = decode_whole(wire, c.version);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(type_of(*p), type_of(c.packet));
  EXPECT_TRUE(*p == c.packet);
}

TEST_P(Vectors, EncodesToTheBytes) {
  const auto& c = GetParam();
  EXPECT_EQ(to_hex(encode_all(c.packet)), to_hex(hex(c.wire)));
}

TEST_P(Vectors, SplitAtEveryOffset) {
  const auto& c = GetParam();
  auto wire = hex(c.wire);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    auto got = decode_in_chunks(wire, {cut}, c.version);
    ASSERT_EQ(got.size(), 1u) << "cut=" << cut;
    EXPECT_EQ(to_hex(got[0]), to_hex(wire)) << "cut=" << cut;
  }
}

TEST_P(Vectors, OneByteAtATime) {
  const auto& c = GetParam();
  auto wire = hex(c.wire);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < wire.size(); ++i) cuts.push_back(i);
  auto got = decode_in_chunks(wire, cuts, c.version);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_hex(got[0]), to_hex(wire));
}

INSTANTIATE_TEST_SUITE_P(AllPacketTypes, Vectors, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Vectors, CoverAllFourteenTypesInBothVersions) {
  std::set<int> seen_311, seen_31;
  for (const auto& c : cases()) (c.version == protocol_version::v3_1_1 ? seen_311 : seen_31).insert(c.packet.index());
  EXPECT_EQ(seen_311.size(), 14u);
  EXPECT_EQ(seen_31.size(), 14u);
}

TEST(Vectors, V31ConnackFirstByteCarriesNoSessionPresent) {
  // MQTT 3.1 has no Session Present: its first CONNACK byte is unused.
  auto wire = hex("20 02 01 00");
  auto p = decode_whole(wire, protocol_version::v3_1);
  ASSERT_TRUE(p);
  EXPECT_FALSE(std::get<connack_view>(*p).session_present);
}

TEST(Vectors, V31AcceptsDupOnPubrelSubscribeUnsubscribe) {
  // MQTT 3.1 sends these at QoS 1 and may set DUP when re-sending them.
  for (auto w : {"6a 02 00 03", "8a 06 00 01 00 01 61 00", "aa 05 00 01 00 01 61"}) {
    auto wire = hex(w);
    EXPECT_TRUE(decode_whole(wire, protocol_version::v3_1)) << w;
    EXPECT_EQ(decode_whole(wire, protocol_version::v3_1_1).error(), errc::bad_fixed_header_flags) << w;
  }
}

TEST(Vectors, StreamOfEveryPacketBackToBack) {
  bytes stream;
  std::vector<bytes> each;
  for (const auto& c : cases()) {
    if (c.version != protocol_version::v3_1_1) continue;
    each.push_back(hex(c.wire));
    stream.insert(stream.end(), each.back().begin(), each.back().end());
  }
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto got = decode_in_chunks(stream, {cut});
    ASSERT_EQ(got.size(), each.size()) << "cut=" << cut;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], each[i]) << "cut=" << cut << " packet " << i;
  }
}

}  // namespace
}  // namespace tern::test::vectors_test
