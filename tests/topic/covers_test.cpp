// covers(outer, inner): a table of the cases that matter for access rules,
// and an oracle: every name over a small alphabet that `inner` matches must
// be matched by `outer`, exactly when covers() says so.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "random_topics.hpp"
#include "tern/topic.hpp"

namespace covers_test {
namespace {

using tern::test::rng;

TEST(Covers, Table) {
  struct {
    const char* outer;
    const char* inner;
    bool covered;
  } cases[] = {
      {"users/+/#", "users/ann/inbox", true},
      {"users/+/#", "users/ann/#", true},
      {"users/+/#", "users/+/#", true},
      {"users/+/#", "users/#", false},  // "users" and "users/x" are not under users/+/
      {"users/ann/#", "users/+/inbox", false},
      {"users/ann/#", "users/ann", true},  // '#' takes its parent level
      {"a/#", "a", true},
      {"a", "a/#", false},
      {"a/+", "a/b", true},
      {"a/+", "a/+/c", false},
      {"+", "+", true},
      {"+", "#", false},
      {"#", "#", true},
      {"#", "a/+/#", true},
      {"#", "$SYS/#", false},  // [MQTT-4.7.2-1]
      {"+/#", "#", true},     // one level or more, both
      {"/+/#", "/#", true},   // "/#" has no parent topic: the empty name is none
      {"a/+/#", "a/#", false},  // a/# also matches "a"
      {"+/uptime", "$SYS/uptime", false},
      {"$SYS/#", "$SYS/uptime", true},
      {"a/b", "a/b", true},
      {"a/b", "a/c", false},
      {"$share/g/a/#", "a/b", true},  // shared subscriptions by their filter
      {"a/#", "$share/g/a/b", true},
  };
  for (const auto& c : cases) EXPECT_EQ(tern::covers(c.outer, c.inner), c.covered) << c.outer << " over " << c.inner;
}

const char* const name_levels[] = {"a", "b", "", "z"};
const char* const name_first_levels[] = {"a", "b", "", "z", "$x"};

std::vector<std::string> every_name(std::size_t max_depth) {
  std::vector<std::string> names;
  std::vector<std::string> layer;
  for (const char* f : name_first_levels) layer.emplace_back(f);
  for (std::size_t depth = 1; depth <= max_depth; ++depth) {
    for (const auto& n : layer)
      if (!n.empty()) names.push_back(n);
    if (depth == max_depth) break;
    std::vector<std::string> next;
    for (const auto& n : layer)
      for (const char* l : name_levels) next.push_back(n + "/" + l);
    layer = std::move(next);
  }
  return names;
}

std::string small_filter(rng& r) {
  const char* const alphabet[] = {"a", "b", "", "+"};
  const std::size_t depth = 1 + r.below(3);
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) {
    if (i > 0) s += '/';
    if (i + 1 == depth && r.below(4) == 0) s += '#';
    else if (i == 0 && r.below(6) == 0) s += "$x";
    else s += alphabet[r.below(std::size(alphabet))];
  }
  return s.empty() ? "/" : s;
}

TEST(Covers, EqualsTheOracle) {
  const auto names = every_name(4);  // deeper than any filter: a '#' shows
  rng r(20261203);
  for (int n = 0; n < 30000; ++n) {
    auto outer = small_filter(r), inner = small_filter(r);
    bool oracle = true;
    for (const auto& name : names)
      if (tern::matches(inner, name) && !tern::matches(outer, name)) {
        oracle = false;
        break;
      }
    ASSERT_EQ(tern::covers(outer, inner), oracle) << outer << " over " << inner;
  }
}

}  // namespace
}  // namespace covers_test
