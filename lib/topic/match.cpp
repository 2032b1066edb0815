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

bool covers(std::string_view outer, std::string_view inner) noexcept {
  outer = dispatch_filter(outer);
  inner = dispatch_filter(inner);
  auto wildcard_first = [](std::string_view f) { return !f.empty() && (f[0] == '+' || f[0] == '#'); };
  // [MQTT-4.7.2-1] the '$' names `inner` reaches are out of a leading wildcard's reach
  if (!inner.empty() && inner[0] == '$' && wildcard_first(outer)) return false;
  std::size_t op = 0;
  std::size_t ip = 0;
  for (;;) {
    if (outer.size() - op == 1 && outer[op] == '#') return true;
    const std::size_t oe = detail::level_end(outer, op);
    const std::size_t ie = detail::level_end(inner, ip);
    const std::string_view o = outer.substr(op, oe - op);
    const std::string_view i = inner.substr(ip, ie - ip);
    // A '#' of `inner` takes every level below and its parent: only a '#' of
    // `outer` takes all that; or "+/#" (one level or more) when the parent is
    // no topic at all (a first "#", or "/#", whose parent is the empty name).
    if (i == "#") return ip <= 1 && outer.substr(0, op) == inner.substr(0, ip) && outer.substr(op) == "+/#";
    if (o != "+" && (i == "+" || o != i)) return false;
    const bool outer_done = oe == outer.size();
    const bool inner_done = ie == inner.size();
    if (outer_done || inner_done) return (outer_done && inner_done) || (inner_done && outer.substr(oe) == "/#");
    op = oe + 1;
    ip = ie + 1;
  }
}

}  // namespace tern
