// Whatever decodes re-encodes to a packet that decodes equal, with the same bytes.
//
// Input layout: byte 0 = options (bit 0: MQTT 3.1), then a stream of packets.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tern/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto version = (data[0] & 1) ? tern::protocol_version::v3_1 : tern::protocol_version::v3_1_1;
  tern::bytes_view in(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  tern::codec::frame_reader reader;
  std::vector<std::byte> wire, again;
  while (!in.empty()) {
    auto r = reader.next(in);
    auto* f = std::get_if<tern::codec::frame>(&r);
    if (!f) break;
    in = in.subspan(f->size);
    auto p = tern::codec::parse(*f, version);
    if (!p) continue;

    wire.clear();
    if (tern::codec::encode_to(*p, wire)) std::abort();
    auto r2 = reader.next(wire);
    auto* f2 = std::get_if<tern::codec::frame>(&r2);
    if (!f2 || f2->size != wire.size()) std::abort();
    auto p2 = tern::codec::parse(*f2, version);
    if (!p2 || !(*p2 == *p)) std::abort();
    // Encoding is canonical: the second encoding is byte for byte the first.
    again.clear();
    if (tern::codec::encode_to(*p2, again) || again != wire) std::abort();
  }
  return 0;
}
