// Arbitrary bytes through the decoder, split at points taken from the input.
// Property: however the stream is cut, the same packets (compared by their
// re-encoding) and the same final state (error or need_more) come out.
//
// Input layout: byte 0 = options (bit 0: MQTT 3.1; bits 1-2: max packet size),
// byte 1 = seed of the chunk sizes, then the stream.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tern/codec.hpp"

namespace {

struct outcome {
  std::vector<std::vector<std::byte>> packets;
  std::error_code error;
  bool operator==(const outcome&) const = default;
};

void drain(tern::codec::stream_decoder& d, outcome& out) {
  for (;;) {
    auto r = d.next();
    if (auto* p = std::get_if<tern::packet_view>(&r)) {
      auto& bytes = out.packets.emplace_back();
      // Whatever decodes must be encodable.
      if (tern::codec::encode_to(*p, bytes)) std::abort();
    } else {
      if (auto* ec = std::get_if<std::error_code>(&r)) out.error = *ec;
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto version = (data[0] & 1) ? tern::protocol_version::v3_1 : tern::protocol_version::v3_1_1;
  static constexpr std::size_t limits[] = {tern::codec::default_max_packet, 16, 300, 70'000};
  auto max_packet = limits[(data[0] >> 1) & 3];
  unsigned seed = data[1];
  tern::bytes_view stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);

  outcome whole, chunked;
  {
    tern::codec::stream_decoder d(max_packet, version);
    d.feed(stream);
    drain(d, whole);
  }
  {
    tern::codec::stream_decoder d(max_packet, version);
    std::size_t at = 0;
    while (at < stream.size()) {
      seed = seed * 1103515245u + 12345u;
      std::size_t n = 1 + (seed >> 16) % 17;
      if (n > stream.size() - at) n = stream.size() - at;
      d.feed(stream.subspan(at, n));
      at += n;
      drain(d, chunked);
      if (chunked.error) break;
    }
  }
  if (!(whole == chunked)) std::abort();
  return 0;
}
