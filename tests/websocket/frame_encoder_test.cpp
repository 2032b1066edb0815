// The frame encoder (RFC 6455 5.2, 5.3): masking against the 5.7 example,
// header sizes at the length boundaries, gather input, control frames, and a
// random round trip through a server's unmasking and the decoder.

#include <gtest/gtest.h>

#include <random>

#include "ws_test_util.hpp"

namespace tern::websocket::test::frame_encoder_test {
namespace {

const mask_key rfc_key{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d}};

bytes encode_binary_bytes(const bytes& payload, const mask_key& key) {
  bytes out(frame_size(payload.size()));
  EXPECT_EQ(encode_binary(payload, key, out), out.size());
  return out;
}

TEST(FrameEncoder, Rfc6455MaskedHello) {
  // 5.7: "81 85 37 fa 21 3d 7f 9f 4d 51 58" is "Hello" masked with 37 fa 21 3d; ours is binary.
  EXPECT_EQ(to_hex(encode_binary_bytes(to_bytes("Hello"), rfc_key)), "82 85 37 fa 21 3d 7f 9f 4d 51 58");
  bytes out(frame_size(5));
  ASSERT_TRUE(encode_ping(as_bytes("Hello"), rfc_key, out));
  EXPECT_EQ(to_hex(out), "89 85 37 fa 21 3d 7f 9f 4d 51 58");
  ASSERT_TRUE(encode_pong(as_bytes("Hello"), rfc_key, out));
  EXPECT_EQ(to_hex(out), "8a 85 37 fa 21 3d 7f 9f 4d 51 58");  // 5.7's masked pong
}

TEST(FrameEncoder, HeaderSizesAtTheLengthBoundaries) {
  struct { std::size_t n; std::size_t header; const char* first_bytes; } table[] = {
      {0, 6, "82 80"}, {125, 6, "82 fd"}, {126, 8, "82 fe 00 7e"}, {65535, 8, "82 fe ff ff"},
      {65536, 14, "82 ff 00 00 00 00 00 01 00 00"}, {70000, 14, "82 ff 00 00 00 00 00 01 11 70"},
  };
  for (const auto& row : table) {
    EXPECT_EQ(header_size(row.n), row.header) << row.n;
    EXPECT_EQ(frame_size(row.n), row.header + row.n);
    bytes payload(row.n, std::byte{0x5a});
    auto wire = encode_binary_bytes(payload, rfc_key);
    auto prefix = hex(row.first_bytes);
    EXPECT_EQ(to_hex(bytes_view(wire).first(prefix.size())), to_hex(prefix)) << row.n;
    EXPECT_EQ(to_hex(bytes_view(wire).subspan(row.header - 4, 4)), "37 fa 21 3d");
    // The decoder reads back what a server unmasks.
    auto unmasked = server_unmask(wire);
    auto r = frame_decoder().next(unmasked);
    ASSERT_TRUE(std::holds_alternative<frame>(r)) << row.n;
    const auto& f = std::get<frame>(r);
    EXPECT_TRUE(std::equal(f.payload.begin(), f.payload.end(), payload.begin(), payload.end())) << row.n;
  }
}

TEST(FrameEncoder, MaskMatchesTheByteByByteDefinitionAtEveryOffsetAndLength) {
  // 5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4).
  bytes data(67);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i * 31 + 7);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; len <= data.size(); ++len) {
      bytes got(len);
      mask_copy(bytes_view(data).first(len), got.data(), rfc_key, offset);
      for (std::size_t i = 0; i < len; ++i)
        ASSERT_EQ(got[i], data[i] ^ rfc_key[(offset + i) % 4]) << "offset=" << offset << " len=" << len << " i=" << i;
      // In place, twice: back to the original.
      bytes twice(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(len));
      mask(twice, rfc_key, offset);
      EXPECT_EQ(twice, got);
      mask(twice, rfc_key, offset);
      EXPECT_TRUE(std::equal(twice.begin(), twice.end(), data.begin()));
    }
  }
}

TEST(FrameEncoder, GatherEqualsOneBuffer) {
  // An MQTT PUBLISH head and payload in separate buffers make one frame, with
  // the key continuing across the seam at every split.
  auto whole_payload = hex("30 0b 00 03 61 2f 62 68 65 6c 6c 6f 21");
  auto expected = encode_binary_bytes(whole_payload, rfc_key);
  for (std::size_t cut = 0; cut <= whole_payload.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= whole_payload.size(); ++cut2) {
      bytes_view all(whole_payload);
      const bytes_view parts[] = {all.first(cut), all.subspan(cut, cut2 - cut), all.subspan(cut2)};
      bytes out(frame_size(whole_payload.size()));
      EXPECT_EQ(encode_binary(parts, rfc_key, out), out.size());
      EXPECT_EQ(out, expected) << cut << "," << cut2;
    }
  }
  bytes appended = hex("ee");
  const bytes_view parts[] = {bytes_view(whole_payload)};
  EXPECT_EQ(append_binary(parts, rfc_key, appended), expected.size());
  EXPECT_EQ(appended, concat({hex("ee"), expected}));
}

TEST(FrameEncoder, ControlFrames) {
  bytes out;
  ASSERT_FALSE(append_close(1000, "", rfc_key, out));
  EXPECT_EQ(to_hex(server_unmask(out)), "88 02 03 e8");
  out.clear();
  ASSERT_FALSE(append_close(0, "", rfc_key, out));
  EXPECT_EQ(to_hex(out), "88 80 37 fa 21 3d");
  out.clear();
  ASSERT_FALSE(append_close(4000, "bye", rfc_key, out));
  EXPECT_EQ(to_hex(server_unmask(out)), "88 05 0f a0 62 79 65");
  out.clear();
  ASSERT_FALSE(append_close(1001, std::string(123, 'r'), rfc_key, out));
  EXPECT_EQ(out.size(), frame_size(125));
  out.clear();
  ASSERT_FALSE(append_ping(bytes(125, std::byte{1}), rfc_key, out));
  ASSERT_FALSE(append_pong({}, rfc_key, out));
  EXPECT_EQ(out.size(), frame_size(125) + frame_size(0));

  // Errors leave the buffer as it was.
  bytes kept = hex("01 02");
  EXPECT_EQ(append_ping(bytes(126), rfc_key, kept), errc::invalid_argument);
  EXPECT_EQ(append_pong(bytes(126), rfc_key, kept), errc::invalid_argument);
  EXPECT_EQ(append_close(1000, std::string(124, 'r'), rfc_key, kept), errc::invalid_argument);
  for (std::uint16_t code : {1u, 999u, 1004u, 1005u, 1006u, 1015u, 2000u, 5000u})
    EXPECT_EQ(append_close(code, "", rfc_key, kept), errc::invalid_argument) << code;
  EXPECT_EQ(append_close(0, "reason without code", rfc_key, kept), errc::invalid_argument);
  EXPECT_EQ(append_close(1000, "\xff", rfc_key, kept), errc::invalid_argument);
  EXPECT_EQ(kept, hex("01 02"));
  bytes small(frame_size(126));
  EXPECT_EQ(encode_ping(bytes(126), rfc_key, small).error(), errc::invalid_argument);
}

TEST(FrameEncoder, RandomRoundTrip) {
  // Encode with a random key, unmask as a server would, decode: the same payload.
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    std::size_t n = i < 200 ? rng() % 300 : rng() % 70000;
    bytes payload(n);
    for (auto& b : payload) b = std::byte(rng());
    mask_key key;
    for (auto& b : key) b = std::byte(rng());
    // Split the payload in up to three parts at random.
    std::size_t a = n ? rng() % (n + 1) : 0, b = a + (n - a ? rng() % (n - a + 1) : 0);
    bytes_view all(payload);
    const bytes_view parts[] = {all.first(a), all.subspan(a, b - a), all.subspan(b)};
    bytes wire;
    append_binary(parts, key, wire);
    ASSERT_EQ(wire.size(), frame_size(n));
    auto unmasked = server_unmask(wire);
    frame_decoder d;
    auto r = d.next(unmasked);
    ASSERT_TRUE(std::holds_alternative<frame>(r)) << n;
    const auto& f = std::get<frame>(r);
    EXPECT_EQ(f.opcode, opcode::binary);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.size, unmasked.size());
    ASSERT_TRUE(std::equal(f.payload.begin(), f.payload.end(), payload.begin(), payload.end())) << n;
  }
}

TEST(FrameEncoder, GeneralFrameForFragments) {
  // Not used by MQTT (one packet, one frame), but the encoder can fragment.
  bytes out(frame_size(3) + frame_size(2));
  const bytes_view first[] = {as_bytes("Hel")};
  const bytes_view second[] = {as_bytes("lo")};
  auto n = encode_frame(opcode::binary, false, first, rfc_key, out);
  n += encode_frame(opcode::continuation, true, second, rfc_key, std::span<std::byte>(out).subspan(n));
  EXPECT_EQ(n, out.size());
  auto frames = split_client_frames(out);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(to_hex(frames[0]), "02 03 48 65 6c");
  EXPECT_EQ(to_hex(frames[1]), "80 02 6c 6f");
}

}  // namespace
}  // namespace tern::websocket::test::frame_encoder_test
