#pragma once
// Body parsers, one per packet family. Each gets a frame whose fixed-header
// flags `parse` has already checked, and returns views into its body.

#include "tern/codec.hpp"

namespace tern::codec::detail {

result<packet_view> parse_connect(const frame& f) noexcept;
result<packet_view> parse_subscribe(const frame& f) noexcept;
result<packet_view> parse_unsubscribe(const frame& f) noexcept;
result<packet_view> parse_suback(const frame& f, protocol_version v) noexcept;

}  // namespace tern::codec::detail
