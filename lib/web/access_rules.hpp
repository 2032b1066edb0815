#pragma once
// The web bridge's allow rules (mosquitto's ACL `pattern` lines, with `%u`).

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tern/web/bridge.hpp"

namespace tern::web::detail {

/// `pattern` with every `%u` replaced by `identity`; nothing when the rule
/// cannot apply: `%u` and an identity that is empty or holds '/', '+' or '#'
/// (which would widen the pattern).
std::optional<std::string> substitute(std::string_view pattern, std::string_view identity);

/// Why no rule allows `request`, or nothing when one does: a publish needs a
/// write rule matching its topic, anything else a read rule covering its filter.
std::optional<std::string> check_rules(std::span<const access_rule> rules, const access_request& request);

}  // namespace tern::web::detail
