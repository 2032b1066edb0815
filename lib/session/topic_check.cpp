#include "session/topic_check.hpp"

#include "tern/error.hpp"

#ifdef TERN_SESSION_USE_TOPIC
#include "tern/topic.hpp"
#else
#include "codec/utf8.hpp"
#endif

namespace tern::detail {

#ifdef TERN_SESSION_USE_TOPIC

std::error_code check_topic_name(std::string_view name) noexcept { return validate_topic_name(name); }
std::error_code check_topic_filter(std::string_view filter) noexcept { return validate_topic_filter(filter); }

#else

namespace {

std::error_code check_common(std::string_view s) noexcept {
  if (s.empty()) return errc::empty_topic;            // [MQTT-4.7.3-1]
  if (s.size() > 65'535) return errc::topic_too_long;  // [MQTT-4.7.3-3]
  switch (codec::check_utf8(s)) {
    case codec::utf8_status::ok: return {};
    case codec::utf8_status::ill_formed: return errc::topic_ill_formed_utf8;   // [MQTT-1.5.3-1]
    case codec::utf8_status::contains_null: return errc::topic_contains_null;  // [MQTT-4.7.3-2]
  }
  return {};
}

}  // namespace

std::error_code check_topic_name(std::string_view name) noexcept {
  if (auto ec = check_common(name)) return ec;
  if (name.find_first_of("+#") != std::string_view::npos) return errc::wildcard_in_name;  // [MQTT-4.7.1-1]
  return {};
}

std::error_code check_topic_filter(std::string_view filter) noexcept {
  if (auto ec = check_common(filter)) return ec;
  std::size_t level_start = 0;
  for (std::size_t i = 0; i <= filter.size(); ++i) {
    if (i < filter.size() && filter[i] != '/') continue;
    auto level = filter.substr(level_start, i - level_start);
    if (level.find('#') != std::string_view::npos && (level != "#" || i != filter.size()))
      return errc::misplaced_hash;  // [MQTT-4.7.1-2]
    if (level.find('+') != std::string_view::npos && level != "+") return errc::misplaced_plus;  // [MQTT-4.7.1-3]
    level_start = i + 1;
  }
  return {};
}

#endif

}  // namespace tern::detail
