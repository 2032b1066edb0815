#include "tern/topic.hpp"

namespace tern {

std::optional<shared_subscription_view> split_shared_subscription(std::string_view filter) noexcept {
  if (!filter.starts_with(shared_subscription_prefix)) return std::nullopt;
  const std::string_view rest = filter.substr(shared_subscription_prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return shared_subscription_view{rest, {}};
  return shared_subscription_view{rest.substr(0, slash), rest.substr(slash + 1)};
}

std::string_view dispatch_filter(std::string_view filter) noexcept {
  if (const auto shared = split_shared_subscription(filter)) return shared->filter;
  return filter;
}

}  // namespace tern
