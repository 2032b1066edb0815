#pragma once
// Validation of the topic names and filters the application hands the
// session (4.7). Uses the topic layer (tern/topic.hpp) when it is built;
// otherwise a local check with the same error codes.

#include <string_view>
#include <system_error>

namespace tern::detail {

std::error_code check_topic_name(std::string_view name) noexcept;
std::error_code check_topic_filter(std::string_view filter) noexcept;

}  // namespace tern::detail
