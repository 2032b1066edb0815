#pragma once
// Body parsers, one per packet family. Each gets a frame whose fixed-header
// flags `parse` has already checked, and returns views into its body.

#include "tern/codec.hpp"

namespace tern::codec::detail {

result<packet_view> parse_connect(const frame& f) noexcept;
result<packet_view> parse_publish(const frame& f) noexcept;
result<packet_view> parse_subscribe(const frame& f) noexcept;
result<packet_view> parse_unsubscribe(const frame& f) noexcept;
result<packet_view> parse_suback(const frame& f, protocol_version v) noexcept;

/// [MQTT-3.3.2-2], [MQTT-4.7.3-1]: the checks a topic *name* needs beyond UTF-8.
inline errc check_topic_name(std::string_view topic) noexcept {
  if (topic.empty()) return errc::empty_topic_name;
  if (topic.find_first_of("+#") != std::string_view::npos) return errc::wildcard_in_topic_name;
  return errc{};
}

}  // namespace tern::codec::detail
