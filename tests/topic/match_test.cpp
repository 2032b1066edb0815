// matches(filter, name) and topic_trie::for_each_match on every example of
// section 4.7 and the edge cases of the issue, table-driven: each row is
// checked against both.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tern/topic.hpp"

namespace match_test {
namespace {

struct match_case {
  const char* filter;
  const char* name;
  bool expected;
};

const match_case cases[] = {
    // 4.7.1.2 multi-level wildcard
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/tennis/player1/#", "sport/tennis", false},
    {"sport/#", "sport", true},  // '#' includes the parent level
    {"sport/#", "sport/", true},
    {"sport/#", "sports", false},
    {"sport/tennis/#", "sport/tennis/player1", true},
    {"sport/tennis/#", "sport/tennis", true},
    {"sport/tennis/#", "sport", false},
    {"#", "sport/tennis/player1", true},
    {"#", "/", true},
    {"#", "a", true},
    // 4.7.1.3 single-level wildcard
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player2", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+/+", "/finance", true},  // '+' matches an empty level
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+", "finance", true},
    {"+/tennis/#", "sport/tennis/player1", true},
    {"+/tennis/#", "sport/tennis", true},
    {"+/tennis/#", "sport/golf", false},
    {"sport/+/player1", "sport/tennis/player1", true},
    {"sport/+/player1", "sport/tennis/player2", false},
    {"sport/+/player1", "sport//player1", true},
    {"+/+/+", "a//", true},
    {"+/+/+", "a/", false},
    {"+/#", "a", true},
    {"+/#", "/", true},
    {"a/+/#", "a", false},
    {"a/+/#", "a/b", true},
    // 4.7.2 topics beginning with '$' [MQTT-4.7.2-1]
    {"#", "$SYS/monitor/Clients", false},
    {"#", "$SYS", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"+", "$SYS", false},
    {"+/#", "$SYS/x", false},
    {"$SYS/#", "$SYS/monitor/Clients", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"$SYS/+/Clients", "$SYS/monitor/Clients", true},
    {"a/#", "a/$SYS", true},  // the rule is about the first character only
    {"+/$x", "a/$x", true},
    {"#", "a$", true},
    // 4.7.3 exact comparison
    {"ACCOUNTS", "Accounts", false},
    {"Accounts", "Accounts", true},
    {"Accounts payable", "Accounts payable", true},
    {"Accounts payable", "Accounts  payable", false},
    {"/finance", "finance", false},
    {"finance", "/finance", false},
    {"finance/", "finance", false},
    {"/", "/", true},
    {"/", "//", false},
    {"a//b", "a//b", true},
    {"a//b", "a/b", false},
    {"\xEF\xBB\xBF" "a", "a", false},  // U+FEFF is not stripped [MQTT-1.5.3-3]
    {"caf\xC3\xA9/+", "caf\xC3\xA9/x", true},
    // shared subscriptions dispatch on <filter>
    {"$share/g/sport/#", "sport/tennis", true},
    {"$share/g/sport/+", "sport", false},
    {"$share/g/#", "a/b", true},
    {"$share/g/#", "$SYS/x", false},
    {"$share/g/$SYS/#", "$SYS/x", true},
    {"$share/g/a", "$share/g/a", false},
    {"$share/g/a", "a", true},
    {"$share", "$share", true},
};

TEST(Match, SpecExamples) {
  for (const auto& c : cases) {
    ASSERT_FALSE(tern::validate_topic_filter(c.filter)) << c.filter;
    ASSERT_FALSE(tern::validate_topic_name(c.name)) << c.name;
    EXPECT_EQ(tern::matches(c.filter, c.name), c.expected) << c.filter << " vs " << c.name;
  }
}

TEST(Match, TrieAgreesOnSpecExamples) {
  for (const auto& c : cases) {
    tern::topic_trie<int> trie;
    ASSERT_FALSE(trie.insert(c.filter, 7)) << c.filter;
    std::vector<int> seen;
    const auto n = trie.for_each_match(c.name, [&](int v) { seen.push_back(v); });
    EXPECT_EQ(n, seen.size());
    EXPECT_EQ(seen.size(), c.expected ? 1u : 0u) << c.filter << " vs " << c.name;
  }
}

TEST(Match, AllSpecFiltersInOneTrie) {
  tern::topic_trie<std::size_t> trie;
  const std::size_t count = std::size(cases);
  for (std::size_t i = 0; i < count; ++i) ASSERT_FALSE(trie.insert(cases[i].filter, i));
  for (const auto& c : cases) {
    std::vector<std::size_t> got;
    trie.for_each_match(c.name, [&](std::size_t i) { got.push_back(i); });
    std::sort(got.begin(), got.end());
    std::vector<std::size_t> want;
    for (std::size_t i = 0; i < count; ++i)
      if (tern::matches(cases[i].filter, c.name)) want.push_back(i);
    EXPECT_EQ(got, want) << c.name;
  }
}

TEST(Match, LongAndDeepTopics) {
  // The deepest topics there are: 65,535 and 32,768 empty levels. Nothing may recurse.
  const std::string deep(tern::max_topic_length - 1, '/');
  const std::string deep_hash = deep + "#";
  const std::string half(tern::max_topic_length / 2, '/');
  std::string pluses = "+";
  while (pluses.size() + 2 <= tern::max_topic_length) pluses += "/+";
  ASSERT_FALSE(tern::validate_topic_filter(deep_hash));
  ASSERT_FALSE(tern::validate_topic_filter(pluses));
  EXPECT_TRUE(tern::matches(deep, deep));
  EXPECT_TRUE(tern::matches(deep_hash, deep));
  EXPECT_TRUE(tern::matches(pluses, half));
  EXPECT_FALSE(tern::matches(pluses, deep));
  EXPECT_FALSE(tern::matches(deep_hash, half));

  tern::topic_trie<int> trie;
  ASSERT_FALSE(trie.insert(deep, 1));
  ASSERT_FALSE(trie.insert(pluses, 2));
  ASSERT_FALSE(trie.insert(deep_hash, 4));
  EXPECT_EQ(trie.node_count(), tern::max_topic_length + 1 + (tern::max_topic_length + 1) / 2);
  int sum = 0;
  EXPECT_EQ(trie.for_each_match(deep, [&](int v) { sum += v; }), 2u);
  EXPECT_EQ(sum, 5);
  sum = 0;
  EXPECT_EQ(trie.for_each_match(half, [&](int v) { sum += v; }), 1u);
  EXPECT_EQ(sum, 2);
  EXPECT_EQ(trie.erase(deep), 1u);
  EXPECT_EQ(trie.erase(pluses), 1u);
  EXPECT_EQ(trie.erase(deep_hash), 1u);
  EXPECT_EQ(trie.node_count(), 0u);
  ASSERT_FALSE(trie.insert(pluses, 2));
  trie.clear();  // iterative teardown
  EXPECT_EQ(trie.node_count(), 0u);
  ASSERT_FALSE(trie.insert(deep_hash, 2));
}  // and the destructor

}  // namespace
}  // namespace match_test
