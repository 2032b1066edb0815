#include "web/access_rules.hpp"

#include "tern/topic.hpp"

namespace tern::web::detail {

std::optional<std::string> substitute(std::string_view pattern, std::string_view identity) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'u') {
      if (identity.empty() || identity.find_first_of("/+#") != std::string_view::npos) return std::nullopt;
      out += identity;
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::optional<std::string> check_rules(std::span<const access_rule> rules, const access_request& request) {
  using action = access_request::action;
  const bool publish = request.what == action::publish;
  const auto needed = publish ? access::write : access::read;
  for (const auto& rule : rules) {
    if ((static_cast<unsigned>(rule.allows) & static_cast<unsigned>(needed)) == 0) continue;
    auto pattern = substitute(rule.pattern, request.identity);
    if (!pattern || validate_topic_filter(*pattern)) continue;
    if (publish ? matches(*pattern, request.topic) : covers(*pattern, request.topic)) return std::nullopt;
  }
  const char* what = publish ? "publish to" : request.what == action::read_stream ? "read" : "subscribe to";
  if (request.what == action::unsubscribe) what = "unsubscribe from";
  // Appended piece by piece: GCC 12 warns wrongly (-Wrestrict) on "'" + s + "'" at -O3.
  std::string why = "no rule allows ";
  if (request.identity.empty()) why += "an anonymous request";
  else why.append(1, '\'').append(request.identity).append(1, '\'');
  return why.append(" to ").append(what).append(" '").append(request.topic).append("'");
}

}  // namespace tern::web::detail
