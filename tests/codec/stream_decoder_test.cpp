// The stream decoder: zero-copy views, buffer reuse, large packets.

#include <gtest/gtest.h>

#include <cstring>

#include "test_util.hpp"

namespace tern::test::stream_decoder_test {
namespace {

bytes publish_wire(std::size_t payload) {
  std::string body(payload, 'p');
  return encode_all(publish_view{"t/x", as_bytes(body), qos::at_least_once, false, false, 9});
}

TEST(StreamDecoder, PublishViewsPointIntoTheBuffer) {
  codec::stream_decoder d;
  auto wire = publish_wire(100);
  auto dst = d.prepare(wire.size());
  std::memcpy(dst.data(), wire.data(), wire.size());
  d.commit(wire.size());
  auto r = d.next();
  auto* p = std::get_if<packet_view>(&r);
  ASSERT_NE(p, nullptr);
  const auto& pub = std::get<publish_view>(*p);
  // Topic and payload are views into the bytes we wrote: nothing was copied.
  EXPECT_EQ(reinterpret_cast<const std::byte*>(pub.topic.data()), dst.data() + 4);
  EXPECT_EQ(pub.payload.data(), dst.data() + wire.size() - 100);
  EXPECT_TRUE(std::holds_alternative<codec::need_more>(d.next()));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(StreamDecoder, BufferIsReusedOnceWarm) {
  codec::stream_decoder d;
  auto wire = publish_wire(1000);
  const std::byte* first = nullptr;
  for (int i = 0; i < 100; ++i) {
    // Half a packet, then the rest together with half of the next one.
    auto dst = d.prepare(wire.size());
    if (!first) first = dst.data();
    std::memcpy(dst.data(), wire.data(), wire.size());
    d.commit(wire.size());
    while (std::holds_alternative<packet_view>(d.next())) {
    }
  }
  EXPECT_EQ(d.prepare(wire.size()).data(), first);
}

TEST(StreamDecoder, PartialPacketSurvivesCompaction) {
  codec::stream_decoder d;
  auto a = publish_wire(10);
  auto b = publish_wire(5000);
  bytes stream = a;
  stream.insert(stream.end(), b.begin(), b.end());
  d.feed(bytes_view(stream).first(a.size() + 10));
  ASSERT_TRUE(std::holds_alternative<packet_view>(d.next()));
  ASSERT_TRUE(std::holds_alternative<codec::need_more>(d.next()));
  d.feed(bytes_view(stream).subspan(a.size() + 10));  // forces the partial packet to move
  auto r = d.next();
  ASSERT_TRUE(std::holds_alternative<packet_view>(r));
  EXPECT_EQ(std::get<publish_view>(std::get<packet_view>(r)).payload.size(), 5000u);
}

TEST(StreamDecoder, ShrinkGivesBackMemoryAndKeepsAPartialPacket) {
  codec::stream_decoder d;
  auto big = publish_wire(20000);
  d.feed(big);
  ASSERT_TRUE(std::holds_alternative<packet_view>(d.next()));
  ASSERT_GE(d.capacity(), big.size());
  auto small = publish_wire(10);
  d.feed(bytes_view(small).first(5));  // half a packet, held across the shrink
  d.shrink(256);
  EXPECT_EQ(d.capacity(), 256u);
  d.feed(bytes_view(small).subspan(5));
  auto r = d.next();
  ASSERT_TRUE(std::holds_alternative<packet_view>(r));
  EXPECT_EQ(std::get<publish_view>(std::get<packet_view>(r)).payload.size(), 10u);
}

TEST(StreamDecoder, ShrinkNeverDropsHeldBytes) {
  codec::stream_decoder d;
  auto big = publish_wire(5000);
  d.feed(bytes_view(big).first(4000));
  d.shrink(256);
  EXPECT_GE(d.capacity(), 4000u);
  d.feed(bytes_view(big).subspan(4000));
  auto r = d.next();
  ASSERT_TRUE(std::holds_alternative<packet_view>(r));
  EXPECT_EQ(std::get<publish_view>(std::get<packet_view>(r)).payload.size(), 5000u);
}

TEST(StreamDecoder, LargePacketsUpTo64KiB) {
  for (std::size_t n : {0u, 127u, 128u, 16'384u, 65'536u, 300'000u}) {
    auto wire = publish_wire(n);
    auto got = decode_in_chunks(wire, {1, 2, wire.size() / 2});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], wire) << n;
  }
}

TEST(StreamDecoder, VersionDecidesConnackAndSuback) {
  codec::stream_decoder d(codec::default_max_packet, protocol_version::v3_1);
  d.feed(hex("90 03 00 01 80"));
  EXPECT_TRUE(std::holds_alternative<std::error_code>(d.next()));
  d.reset();
  d.set_version(protocol_version::v3_1_1);
  d.feed(hex("90 03 00 01 80"));
  EXPECT_TRUE(std::holds_alternative<packet_view>(d.next()));
}

}  // namespace
}  // namespace tern::test::stream_decoder_test
