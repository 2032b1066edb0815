#pragma once
// Helpers shared by the codec tests: hex literals and one-shot decoding.

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../common/hex.hpp"
#include "tern/codec.hpp"

namespace tern::test {

using bytes = std::vector<std::byte>;

/// Frames and parses exactly one packet that fills `wire`; the result borrows `wire`.
inline result<packet_view> decode_whole(const bytes& wire, protocol_version v = protocol_version::v3_1_1,
                                        std::size_t max_packet = codec::default_max_packet) {
  auto r = codec::frame_reader(max_packet).next(wire);
  if (auto* ec = std::get_if<std::error_code>(&r)) return *ec;
  if (std::holds_alternative<codec::need_more>(r)) ADD_FAILURE() << "incomplete packet " << to_hex(wire);
  const auto& f = std::get<codec::frame>(r);
  EXPECT_EQ(f.size, wire.size()) << "trailing bytes after the packet";
  return codec::parse(f, v);
}

/// The whole packet, payload included.
inline bytes encode_all(const packet_view& p) {
  bytes out;
  auto ec = codec::encode_to(p, out);
  EXPECT_FALSE(ec) << ec.message();
  return out;
}

/// Feeds `wire` to a stream decoder in the given chunk sizes (the last chunk
/// takes the rest) and returns every packet re-encoded, so that results can be
/// compared after the decoder's buffer has moved on.
inline std::vector<bytes> decode_in_chunks(const bytes& wire, const std::vector<std::size_t>& cuts,
                                           protocol_version v = protocol_version::v3_1_1) {
  codec::stream_decoder d(codec::default_max_packet, v);
  std::vector<bytes> out;
  std::size_t at = 0;
  auto drain = [&] {
    for (;;) {
      auto r = d.next();
      if (auto* p = std::get_if<packet_view>(&r)) out.push_back(encode_all(*p));
      else if (auto* ec = std::get_if<std::error_code>(&r)) { ADD_FAILURE() << ec->message(); return; }
      else return;
    }
  };
  for (auto cut : cuts) {
    d.feed(bytes_view(wire).subspan(at, cut - at));
    at = cut;
    drain();
  }
  d.feed(bytes_view(wire).subspan(at));
  drain();
  EXPECT_EQ(d.buffered(), 0u);
  return out;
}

}  // namespace tern::test
