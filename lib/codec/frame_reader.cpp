#include "tern/codec.hpp"

namespace tern::codec {

read_result frame_reader::next(bytes_view in) const noexcept {
  if (in.empty()) return need_more{2};
  auto header = std::to_integer<std::uint8_t>(in[0]);
  auto type = header >> 4;
  if (type == 0 || type == 15) return make_error_code(errc::reserved_packet_type);

  // Remaining Length (2.2.3): at most 4 bytes, 7 bits each, low group first.
  std::size_t length = 0;
  std::size_t i = 1;
  for (unsigned shift = 0;; shift += 7, ++i) {
    if (i == 5) return make_error_code(errc::remaining_length_too_long);
    if (i >= in.size()) return need_more{1};
    auto digit = std::to_integer<std::size_t>(in[i]);
    length |= (digit & 0x7F) << shift;
    if (!(digit & 0x80)) break;
  }
  ++i;
  // Before anything is reserved or awaited: a lying length costs nothing.
  if (length > max_packet_) return make_error_code(errc::packet_too_large);
  std::size_t total = i + length;
  if (in.size() < total) return need_more{total - in.size()};
  return frame{header, in.subspan(i, length), total};
}

}  // namespace tern::codec
