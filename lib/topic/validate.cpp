#include <string_view>

#include "codec/utf8.hpp"
#include "tern/topic.hpp"

namespace tern {
namespace {

// For a name, the UTF-8 pass also looks for wildcards, so the name is scanned once.
std::error_code check_string(std::string_view s, bool is_name) noexcept {
  if (s.empty()) return errc::empty_topic;                       // [MQTT-4.7.3-1]
  if (s.size() > max_topic_length) return errc::topic_too_long;  // [MQTT-4.7.3-3]
  switch (codec::check_utf8(s, is_name)) {
    case codec::utf8_status::ok: return {};
    case codec::utf8_status::ill_formed: return errc::utf8_ill_formed;      // [MQTT-1.5.3-1]
    case codec::utf8_status::contains_null: return errc::topic_contains_null;     // [MQTT-4.7.3-2]
    case codec::utf8_status::contains_wildcard: return errc::wildcard_in_topic_name;  // [MQTT-4.7.1-1]
  }
  return errc::utf8_ill_formed;
}

std::error_code check_wildcards(std::string_view f) noexcept {
  for (std::size_t i = f.find_first_of("+#"); i != std::string_view::npos; i = f.find_first_of("+#", i + 1)) {
    const bool starts_level = i == 0 || f[i - 1] == '/';
    const bool ends_level = i + 1 == f.size() || f[i + 1] == '/';
    if (f[i] == '#') {
      if (!starts_level || i + 1 != f.size()) return errc::misplaced_hash;  // [MQTT-4.7.1-2]
    } else if (!starts_level || !ends_level) {
      return errc::misplaced_plus;  // [MQTT-4.7.1-3]
    }
  }
  return {};
}

}  // namespace

std::error_code validate_topic_name(std::string_view name) noexcept {
  return check_string(name, true);
}

std::error_code validate_topic_filter(std::string_view filter) noexcept {
  if (const std::error_code ec = check_string(filter, false)) return ec;
  if (const auto shared = split_shared_subscription(filter)) {
    if (shared->group.empty() || shared->group.find_first_of("+#") != std::string_view::npos ||
        shared->filter.empty())
      return errc::invalid_shared_subscription;
    return check_wildcards(shared->filter);
  }
  return check_wildcards(filter);
}

}  // namespace tern
