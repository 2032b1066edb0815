// The frame decoder (RFC 6455 5.2): the 5.7 examples, length boundaries,
// every error rule, and every vector re-fed split at every offset.

#include <gtest/gtest.h>

#include "ws_test_util.hpp"

namespace tern::websocket::test::frame_decoder_test {
namespace {

bytes payload_of(std::size_t n) {
  bytes p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = std::byte(i * 7 + 1);
  return p;
}

/// An unmasked server frame with the given first byte and payload, length in its shortest form.
bytes server_frame(unsigned b0, const bytes& payload) {
  bytes out{std::byte(b0)};
  auto n = payload.size();
  if (n < 126) {
    out.push_back(std::byte(n));
  } else if (n <= 0xFFFF) {
    out.push_back(std::byte{126});
    out.push_back(std::byte(n >> 8));
    out.push_back(std::byte(n & 0xFF));
  } else {
    out.push_back(std::byte{127});
    for (int s = 56; s >= 0; s -= 8) out.push_back(std::byte(static_cast<std::uint64_t>(n) >> s & 0xFF));
  }
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

stream_outcome whole(const bytes& wire, std::size_t max_payload = default_max_frame_payload) {
  return decode_stream(wire, {}, max_payload);
}

/// Every two-piece split gives the same outcome as the whole stream.
void expect_same_at_every_offset(const bytes& wire, std::size_t max_payload = default_max_frame_payload) {
  auto expected = whole(wire, max_payload);
  // Every offset; for big frames every offset in the header and near the ends, and a stride between.
  for (std::size_t cut = 0; cut <= wire.size(); cut += (wire.size() <= 4096 || cut < 32 || cut + 32 > wire.size()) ? 1 : 331)
    ASSERT_EQ(decode_stream(wire, {cut}, max_payload), expected) << to_hex(wire).substr(0, 60) << " cut=" << cut;
  // And byte by byte, for the short ones.
  if (wire.size() <= 300) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < wire.size(); ++i) cuts.push_back(i);
    ASSERT_EQ(decode_stream(wire, cuts, max_payload), expected) << "byte by byte";
  }
}

TEST(FrameDecoder, Rfc6455Examples) {
  // 5.7: a single-frame unmasked text message. MQTT uses binary frames only.
  EXPECT_EQ(whole(hex("81 05 48 65 6c 6c 6f")).error, websocket_errc::text_frame);  // [MQTT-6.0.0-1]
  // 5.7: a fragmented unmasked text message: the first fragment fails already.
  EXPECT_EQ(whole(hex("01 03 48 65 6c  80 02 6c 6f")).error, websocket_errc::text_frame);
  // 5.7: a masked text message (what a client sends): masked from a server is an error.
  EXPECT_EQ(whole(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")).error, websocket_errc::text_frame);
  // 5.7: unmasked ping, and the masked pong a client would answer.
  auto ping = whole(hex("89 05 48 65 6c 6c 6f"));
  ASSERT_EQ(ping.events.size(), 1u);
  EXPECT_EQ(ping.events[0], (event{opcode::ping, true, to_bytes("Hello"), {}, {}}));
  EXPECT_EQ(whole(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")).error, websocket_errc::masked_server_frame);
  // The binary equivalents.
  auto one = whole(hex("82 05 48 65 6c 6c 6f"));
  ASSERT_EQ(one.events.size(), 1u);
  EXPECT_EQ(one.events[0], (event{opcode::binary, true, to_bytes("Hello"), {}, {}}));
  auto two = whole(hex("02 03 48 65 6c  80 02 6c 6f"));
  ASSERT_EQ(two.events.size(), 2u);
  EXPECT_EQ(two.events[0], (event{opcode::binary, false, to_bytes("Hel"), {}, {}}));
  EXPECT_EQ(two.events[1], (event{opcode::continuation, true, to_bytes("lo"), {}, {}}));
  // 5.7: 256 bytes and 64 KiB binary messages in one unmasked frame.
  auto p256 = payload_of(256);
  auto w256 = concat({hex("82 7e 01 00"), p256});
  EXPECT_EQ(whole(w256).events.at(0).payload, p256);
  auto p64k = payload_of(65536);
  auto w64k = concat({hex("82 7f 00 00 00 00 00 01 00 00"), p64k});
  EXPECT_EQ(whole(w64k).events.at(0).payload, p64k);
  for (const auto* v : {"81 05 48 65 6c 6c 6f", "89 05 48 65 6c 6c 6f", "8a 85 37 fa 21 3d 7f 9f 4d 51 58",
                        "82 05 48 65 6c 6c 6f", "02 03 48 65 6c 80 02 6c 6f"})
    expect_same_at_every_offset(hex(v));
  expect_same_at_every_offset(w256);
  expect_same_at_every_offset(w64k);
}

TEST(FrameDecoder, LengthBoundaries) {
  struct { std::size_t n; std::size_t header; const char* length_bytes; } table[] = {
      {0, 2, "00"}, {1, 2, "01"}, {125, 2, "7d"},                                      // 7-bit
      {126, 4, "7e 00 7e"}, {127, 4, "7e 00 7f"}, {65535, 4, "7e ff ff"},              // 16-bit
      {65536, 10, "7f 00 00 00 00 00 01 00 00"}, {65537, 10, "7f 00 00 00 00 00 01 00 01"},  // 64-bit
  };
  for (const auto& row : table) {
    auto p = payload_of(row.n);
    auto wire = server_frame(0x82, p);
    EXPECT_EQ(to_hex(bytes_view(wire).subspan(1, row.header - 1)), to_hex(hex(row.length_bytes))) << row.n;
    frame_decoder d;
    auto r = d.next(wire);
    ASSERT_TRUE(std::holds_alternative<frame>(r)) << row.n;
    const auto& f = std::get<frame>(r);
    EXPECT_EQ(f.size, row.header + row.n);
    EXPECT_TRUE(std::equal(f.payload.begin(), f.payload.end(), p.begin(), p.end()));
    EXPECT_EQ(f.payload.data(), wire.data() + row.header) << "a view into the input, not a copy";
    // need_more never overshoots the frame: every prefix asks for at most what is missing.
    for (std::size_t k = 0; k < wire.size(); k += (k < 20 ? 1 : 997)) {
      frame_decoder fresh;
      auto part = fresh.next(bytes_view(wire).first(k));
      ASSERT_TRUE(std::holds_alternative<need_more>(part)) << row.n << " k=" << k;
      EXPECT_LE(std::get<need_more>(part).at_least, wire.size() - k) << row.n << " k=" << k;
      if (k >= row.header) {
        EXPECT_EQ(std::get<need_more>(part).at_least, wire.size() - k);
      }
    }
    expect_same_at_every_offset(wire);
  }
}

TEST(FrameDecoder, EveryErrorRule) {
  struct { const char* wire; websocket_errc error; } table[] = {
      // 5.2: RSV1-3 with no extension negotiated.
      {"c2 00", websocket_errc::reserved_bits}, {"a2 00", websocket_errc::reserved_bits},
      {"92 00", websocket_errc::reserved_bits}, {"f2 00", websocket_errc::reserved_bits},
      {"c9 00", websocket_errc::reserved_bits},
      // 5.2: reserved opcodes.
      {"83 00", websocket_errc::bad_opcode}, {"84 00", websocket_errc::bad_opcode},
      {"85 00", websocket_errc::bad_opcode}, {"86 00", websocket_errc::bad_opcode},
      {"87 00", websocket_errc::bad_opcode}, {"8b 00", websocket_errc::bad_opcode},
      {"8c 00", websocket_errc::bad_opcode}, {"8d 00", websocket_errc::bad_opcode},
      {"8e 00", websocket_errc::bad_opcode}, {"8f 00", websocket_errc::bad_opcode},
      {"03 00", websocket_errc::bad_opcode},
      // [MQTT-6.0.0-1] text frames.
      {"81 00", websocket_errc::text_frame}, {"01 00", websocket_errc::text_frame},
      // 5.1: a server never masks.
      {"82 80 00 00 00 00", websocket_errc::masked_server_frame},
      {"82 81 01 02 03 04 05", websocket_errc::masked_server_frame},
      {"89 80 00 00 00 00", websocket_errc::masked_server_frame},
      // 5.5: control frames: FIN set, at most 125 bytes.
      {"09 00", websocket_errc::bad_control_frame}, {"08 00", websocket_errc::bad_control_frame},
      {"0a 00", websocket_errc::bad_control_frame},
      {"89 7e 00 7e", websocket_errc::bad_control_frame}, {"8a 7e", websocket_errc::bad_control_frame},
      {"88 7f 00 00 00 00 00 00 00 80", websocket_errc::bad_control_frame},
      // 5.4: continuation with nothing open; a new data frame while one is open.
      {"80 00", websocket_errc::bad_continuation}, {"00 00", websocket_errc::bad_continuation},
      {"02 01 aa  02 01 bb", websocket_errc::bad_continuation},
      {"02 01 aa  00 01 bb  82 01 cc", websocket_errc::bad_continuation},
      {"02 01 aa  80 01 bb  80 01 cc", websocket_errc::bad_continuation},
      // 5.2: 64-bit length with the MSB set; lengths not in the shortest form.
      {"82 7f 80 00 00 00 00 00 00 00", websocket_errc::bad_length},
      {"82 7f ff ff ff ff ff ff ff ff", websocket_errc::bad_length},
      {"82 7e 00 00", websocket_errc::bad_length}, {"82 7e 00 7d", websocket_errc::bad_length},
      {"82 7f 00 00 00 00 00 00 00 7e", websocket_errc::bad_length},
      {"82 7f 00 00 00 00 00 00 ff ff", websocket_errc::bad_length},
      // 5.5.1, 7.4: close frames.
      {"88 01 03", websocket_errc::bad_close_frame},
      {"88 02 00 00", websocket_errc::bad_close_frame},   // 0
      {"88 02 03 e7", websocket_errc::bad_close_frame},   // 999
      {"88 02 03 ec", websocket_errc::bad_close_frame},   // 1004 reserved
      {"88 02 03 ed", websocket_errc::bad_close_frame},   // 1005 never on the wire
      {"88 02 03 ee", websocket_errc::bad_close_frame},   // 1006 never on the wire
      {"88 02 03 f7", websocket_errc::bad_close_frame},   // 1015 never on the wire
      {"88 02 03 f8", websocket_errc::bad_close_frame},   // 1016
      {"88 02 0b b7", websocket_errc::bad_close_frame},   // 2999
      {"88 02 13 88", websocket_errc::bad_close_frame},   // 5000
      {"88 02 ff ff", websocket_errc::bad_close_frame},   // 65535
      {"88 03 03 e8 ff", websocket_errc::bad_close_frame},             // reason not UTF-8
      {"88 04 03 e8 c0 80", websocket_errc::bad_close_frame},          // overlong NUL
      {"88 05 03 e8 ed a0 80", websocket_errc::bad_close_frame},       // surrogate U+D800
      {"88 03 03 e8 ce", websocket_errc::bad_close_frame},             // truncated sequence
  };
  for (const auto& row : table) {
    auto wire = hex(row.wire);
    EXPECT_EQ(whole(wire).error, row.error) << row.wire;
    expect_same_at_every_offset(wire);
  }
}

TEST(FrameDecoder, ErrorsComeBeforeThePayload) {
  // A header is judged as soon as its bytes are there: no waiting for a payload that is never coming.
  struct { const char* prefix; websocket_errc error; } table[] = {
      {"81", websocket_errc::text_frame},
      {"c2", websocket_errc::reserved_bits},
      {"80", websocket_errc::bad_continuation},
      {"09", websocket_errc::bad_control_frame},
      {"82 ff", websocket_errc::masked_server_frame},
      {"89 7e", websocket_errc::bad_control_frame},
      {"82 7f 80", websocket_errc::bad_length},
      {"82 7f 00 00 00 00 00 01 00 00", websocket_errc::frame_too_large},
      {"82 7e 04 01", websocket_errc::frame_too_large},
  };
  for (const auto& row : table) {
    frame_decoder d(1024);
    auto r = d.next(hex(row.prefix));
    ASSERT_TRUE(std::holds_alternative<std::error_code>(r)) << row.prefix;
    EXPECT_EQ(std::get<std::error_code>(r), row.error) << row.prefix;
  }
}

TEST(FrameDecoder, MaximumPayload) {
  EXPECT_EQ(whole(server_frame(0x82, payload_of(10)), 10).events.size(), 1u);
  EXPECT_EQ(whole(server_frame(0x82, payload_of(11)), 10).error, websocket_errc::frame_too_large);
  EXPECT_EQ(whole(server_frame(0x82, payload_of(126)), 125).error, websocket_errc::frame_too_large);
  EXPECT_EQ(whole(server_frame(0x82, payload_of(65536)), 65535).error, websocket_errc::frame_too_large);
  // The largest 64-bit length, MSB clear: too large long before it could arrive.
  EXPECT_EQ(whole(hex("82 7f 7f ff ff ff ff ff ff ff")).error, websocket_errc::frame_too_large);
  // Control frames are within any sensible maximum; the 125-byte rule applies first.
  EXPECT_EQ(whole(server_frame(0x89, payload_of(125)), 10).error, websocket_errc::frame_too_large);
  EXPECT_EQ(whole(server_frame(0x89, payload_of(125)), 125).events.size(), 1u);
}

TEST(FrameDecoder, CloseFrames) {
  struct { const char* wire; std::optional<std::uint16_t> code; std::string reason; } table[] = {
      {"88 00", std::nullopt, ""},
      {"88 02 03 e8", 1000, ""},
      {"88 02 03 e9", 1001, ""}, {"88 02 03 ea", 1002, ""}, {"88 02 03 eb", 1003, ""},
      {"88 02 03 ef", 1007, ""}, {"88 02 03 f0", 1008, ""}, {"88 02 03 f1", 1009, ""},
      {"88 02 03 f2", 1010, ""}, {"88 02 03 f3", 1011, ""}, {"88 02 03 f4", 1012, ""},
      {"88 02 03 f5", 1013, ""}, {"88 02 03 f6", 1014, ""},
      {"88 02 0b b8", 3000, ""}, {"88 02 0f 9f", 3999, ""}, {"88 02 0f a0", 4000, ""}, {"88 02 13 87", 4999, ""},
      {"88 06 03 e8 62 79 65 21", 1000, "bye!"},
      {"88 05 03 e9 c3 a9 00", 1001, std::string("\xc3\xa9\0", 3)},  // U+0000 is valid UTF-8 (8.1)
  };
  for (const auto& row : table) {
    auto out = whole(hex(row.wire));
    ASSERT_FALSE(out.error) << row.wire << ": " << out.error.message();
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(out.events[0].op, opcode::close);
    EXPECT_EQ(out.events[0].close_code, row.code) << row.wire;
    EXPECT_EQ(out.events[0].close_reason, row.reason) << row.wire;
    expect_same_at_every_offset(hex(row.wire));
  }
  // A reason of the full 123 bytes.
  auto full = server_frame(0x88, concat({hex("03 e8"), bytes(123, std::byte{'r'})}));
  EXPECT_EQ(whole(full).events.at(0).close_reason, std::string(123, 'r'));
}

TEST(FrameDecoder, ControlFramesInsideAFragmentedMessage) {
  // 5.4: control frames may be injected between fragments.
  auto wire = hex(R"(
      02 02 10 0c          # binary, FIN=0: the start of an MQTT CONNECT
      89 01 70             # ping "p"
      8a 00                # pong
      00 03 00 04 4d       # continuation, FIN=0
      80 02 51 54          # continuation, FIN=1
      82 02 d0 00          # a new message: PINGRESP
  )");
  auto out = whole(wire);
  ASSERT_FALSE(out.error) << out.error.message();
  ASSERT_EQ(out.events.size(), 6u);
  EXPECT_EQ(out.events[1].op, opcode::ping);
  EXPECT_EQ(out.events[2].op, opcode::pong);
  EXPECT_EQ(out.events[3], (event{opcode::continuation, false, hex("00 04 4d"), {}, {}}));
  EXPECT_EQ(out.events[5], (event{opcode::binary, true, hex("d0 00"), {}, {}}));
  expect_same_at_every_offset(wire);
  // The decoder's state follows the fragments.
  frame_decoder d;
  EXPECT_FALSE(d.in_message());
  (void)d.next(hex("02 01 aa"));
  EXPECT_TRUE(d.in_message());
  (void)d.next(hex("89 00"));
  EXPECT_TRUE(d.in_message());
  (void)d.next(hex("80 00"));
  EXPECT_FALSE(d.in_message());
  (void)d.next(hex("02 00"));
  d.reset();
  EXPECT_FALSE(d.in_message());
}

TEST(FrameDecoder, EmptyInputAndStopsAtTheFirstFrame) {
  frame_decoder d;
  auto r = d.next({});
  ASSERT_TRUE(std::holds_alternative<need_more>(r));
  EXPECT_EQ(std::get<need_more>(r).at_least, 2u);
  auto two = hex("82 01 aa 82 01 bb");
  auto f = d.next(two);
  ASSERT_TRUE(std::holds_alternative<frame>(f));
  EXPECT_EQ(std::get<frame>(f).size, 3u);
}

}  // namespace
}  // namespace tern::websocket::test::frame_decoder_test
