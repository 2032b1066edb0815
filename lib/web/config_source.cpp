// config_map and env_config: the in-memory and environment config sources.

#include <cstring>

#include "tern/web/config.hpp"

extern char** environ;  // POSIX: the process environment

namespace tern::web {

bool config_map::erase(std::string_view key) {
  auto it = values_.find(key);
  if (it == values_.end()) return false;
  values_.erase(it);
  return true;
}

std::optional<config_value> config_map::get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> config_map::keys() const {
  std::vector<std::string> out;
  out.reserve(values_.size());
  for (const auto& [k, v] : values_) out.push_back(k);
  return out;
}

env_config::env_config() {
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    map_.set(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
}

std::optional<config_value> env_config::get(std::string_view key) const { return map_.get(key); }
std::vector<std::string> env_config::keys() const { return map_.keys(); }

}  // namespace tern::web
