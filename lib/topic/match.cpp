#include "tern/topic.hpp"

namespace tern {

bool matches(std::string_view filter, std::string_view name) noexcept {
  filter = dispatch_filter(filter);
  // [MQTT-4.7.2-1] a leading wildcard never matches a '$' topic
  if (!filter.empty() && (filter[0] == '+' || filter[0] == '#') && !name.empty() && name[0] == '$') return false;
  std::size_t fp = 0;
  std::size_t np = 0;
  for (;;) {
    if (filter.size() - fp == 1 && filter[fp] == '#') return true;
    const std::size_t fe = detail::level_end(filter, fp);
    const std::size_t ne = detail::level_end(name, np);
    const std::string_view level = filter.substr(fp, fe - fp);
    if (level != "+" && level != name.substr(np, ne - np)) return false;
    const bool filter_done = fe == filter.size();
    const bool name_done = ne == name.size();
    if (filter_done || name_done) {
      // "sport/#" also matches "sport": '#' includes the parent level (4.7.1.2)
      return (filter_done && name_done) || (name_done && filter.substr(fe) == "/#");
    }
    fp = fe + 1;
    np = ne + 1;
  }
}

}  // namespace tern
