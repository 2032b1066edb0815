// topic_trie<T>: values per filter, erase and pruning, shared subscriptions,
// moves, and a match that allocates nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alloc_hook.hpp"
#include "tern/topic.hpp"

namespace trie_test {
namespace {

using tern::errc;

template <class T>
std::vector<T> matched(const tern::topic_trie<T>& trie, std::string_view name) {
  std::vector<T> out;
  trie.for_each_match(name, [&](const T& v) { out.push_back(v); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Trie, EmptyTrie) {
  tern::topic_trie<int> trie;
  EXPECT_TRUE(trie.empty());
  EXPECT_EQ(trie.size(), 0u);
  EXPECT_EQ(trie.node_count(), 0u);
  EXPECT_EQ(trie.for_each_match("a", [](int) { FAIL(); }), 0u);
  EXPECT_EQ(trie.erase("a"), 0u);
  EXPECT_EQ(trie.count("a"), 0u);
}

TEST(Trie, InsertRejectsInvalidFiltersAndChangesNothing) {
  tern::topic_trie<int> trie;
  EXPECT_EQ(trie.insert("", 1), errc::empty_topic);
  EXPECT_EQ(trie.insert("a/#/b", 1), errc::misplaced_hash);
  EXPECT_EQ(trie.insert("a+", 1), errc::misplaced_plus);
  EXPECT_EQ(trie.insert("$share//a", 1), errc::invalid_shared_subscription);
  EXPECT_EQ(trie.insert(std::string("a\0b", 3), 1), errc::topic_contains_null);
  EXPECT_EQ(trie.insert("\xC3", 1), errc::utf8_ill_formed);
  EXPECT_EQ(trie.insert(std::string(tern::max_topic_length + 1, 'a'), 1), errc::topic_too_long);
  EXPECT_EQ(trie.size(), 0u);
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(Trie, SeveralValuesPerFilter) {
  tern::topic_trie<int> trie;
  ASSERT_FALSE(trie.insert("a/+", 1));
  ASSERT_FALSE(trie.insert("a/+", 2));
  ASSERT_FALSE(trie.insert("a/+", 2));  // equal values are kept
  ASSERT_FALSE(trie.insert("a/b", 3));
  ASSERT_FALSE(trie.insert("#", 4));
  EXPECT_EQ(trie.size(), 5u);
  EXPECT_EQ(trie.count("a/+"), 3u);
  EXPECT_EQ(matched(trie, "a/b"), (std::vector<int>{1, 2, 2, 3, 4}));
  EXPECT_EQ(matched(trie, "a/c"), (std::vector<int>{1, 2, 2, 4}));
  EXPECT_EQ(matched(trie, "a"), (std::vector<int>{4}));
  EXPECT_EQ(trie.erase("a/+", 2), 2u);
  EXPECT_EQ(matched(trie, "a/c"), (std::vector<int>{1, 4}));
  EXPECT_EQ(trie.erase("a/+", 9), 0u);
  EXPECT_EQ(trie.erase("a/+"), 1u);
  EXPECT_EQ(trie.erase("a/+"), 0u);
  EXPECT_EQ(trie.size(), 2u);
}

TEST(Trie, ValuesKeepInsertionOrder) {
  tern::topic_trie<int> trie;
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(trie.insert("x/y", i));
  std::vector<int> seen;
  trie.for_each_match("x/y", [&](int v) { seen.push_back(v); });
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Trie, EraseIf) {
  tern::topic_trie<int> trie;
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(trie.insert("a/#", i));
  EXPECT_EQ(trie.erase_if("a/#", [](int v) { return v % 2 == 0; }), 5u);
  EXPECT_EQ(matched(trie, "a/b/c"), (std::vector<int>{1, 3, 5, 7, 9}));
  EXPECT_EQ(trie.erase_if("a/#", [](int) { return true; }), 5u);
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(Trie, NonComparableValues) {
  // The client's handlers: std::function has no operator==, so erase by predicate or all.
  tern::topic_trie<std::function<void(int&)>> trie;
  ASSERT_FALSE(trie.insert("a/+", [](int& x) { x += 1; }));
  ASSERT_FALSE(trie.insert("a/b", [](int& x) { x += 10; }));
  int x = 0;
  EXPECT_EQ(trie.for_each_match("a/b", [&](const auto& fn) { fn(x); }), 2u);
  EXPECT_EQ(x, 11);
  EXPECT_EQ(trie.erase("a/+"), 1u);
  EXPECT_EQ(trie.erase("a/b"), 1u);
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(Trie, MoveOnlyValues) {
  tern::topic_trie<std::unique_ptr<int>> trie;
  ASSERT_FALSE(trie.insert("a", std::make_unique<int>(1)));
  ASSERT_FALSE(trie.insert("a", std::make_unique<int>(2)));
  EXPECT_EQ(trie.erase_if("a", [](const auto& p) { return *p == 1; }), 1u);
  int seen = 0;
  trie.for_each_match("a", [&](const auto& p) { seen = *p; });
  EXPECT_EQ(seen, 2);
}

TEST(Trie, SharedSubscriptionsAreStoredUnderTheirFilter) {
  tern::topic_trie<int> trie;
  ASSERT_FALSE(trie.insert("$share/g1/sport/+", 1));
  ASSERT_FALSE(trie.insert("$share/g2/sport/+", 2));
  ASSERT_FALSE(trie.insert("sport/+", 3));
  EXPECT_EQ(matched(trie, "sport/tennis"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(matched(trie, "$share/g1/sport/tennis"), std::vector<int>{});
  EXPECT_EQ(trie.count("$share/g1/sport/+"), 3u);  // the group is not part of the key
  EXPECT_EQ(trie.erase("$share/g1/sport/+", 1), 1u);
  EXPECT_EQ(trie.erase("$share/g2/sport/+", 2), 1u);
  EXPECT_EQ(matched(trie, "sport/tennis"), (std::vector<int>{3}));
  EXPECT_EQ(trie.erase("sport/+", 3), 1u);
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(Trie, DollarTopics) {
  tern::topic_trie<int> trie;
  ASSERT_FALSE(trie.insert("#", 1));
  ASSERT_FALSE(trie.insert("+/monitor/Clients", 2));
  ASSERT_FALSE(trie.insert("$SYS/#", 3));
  ASSERT_FALSE(trie.insert("$SYS/monitor/+", 4));
  ASSERT_FALSE(trie.insert("$SYS/+/Clients", 5));
  ASSERT_FALSE(trie.insert("+/+/+", 6));
  EXPECT_EQ(matched(trie, "$SYS/monitor/Clients"), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(matched(trie, "SYS/monitor/Clients"), (std::vector<int>{1, 2, 6}));
}

TEST(Trie, EraseLeavesNoNodesBehind) {
  tern::topic_trie<int> trie;
  const char* filters[] = {"a/b/c", "a/b", "a/+/c", "a/#", "+/+", "#", "/", "//", "a//#", "+/b/#"};
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(trie.insert(filters[i], i));
  EXPECT_GT(trie.node_count(), 0u);
  // Erase in an order that empties inner nodes before their children.
  for (int i : {1, 3, 0, 2, 9, 8, 4, 6, 5, 7}) {
    EXPECT_EQ(trie.erase(filters[i], i), 1u) << filters[i];
    EXPECT_EQ(trie.count(filters[i]), 0u);
  }
  EXPECT_EQ(trie.node_count(), 0u);
  EXPECT_TRUE(trie.empty());
}

TEST(Trie, NodeCountFollowsStructure) {
  tern::topic_trie<int> trie;
  ASSERT_FALSE(trie.insert("a/b/c", 1));
  EXPECT_EQ(trie.node_count(), 3u);
  ASSERT_FALSE(trie.insert("a/b", 2));
  EXPECT_EQ(trie.node_count(), 3u);
  ASSERT_FALSE(trie.insert("a/+/#", 3));
  EXPECT_EQ(trie.node_count(), 5u);
  EXPECT_EQ(trie.erase("a/b/c"), 1u);
  EXPECT_EQ(trie.node_count(), 4u);  // "a/b" still holds a value
  EXPECT_EQ(trie.erase("a/+/#"), 1u);
  EXPECT_EQ(trie.node_count(), 2u);
  EXPECT_EQ(trie.erase("a/b/c"), 0u);  // not there any more
  EXPECT_EQ(trie.erase("a/b"), 1u);
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(Trie, MoveAndClear) {
  tern::topic_trie<int> a;
  ASSERT_FALSE(a.insert("x/+", 1));
  ASSERT_FALSE(a.insert("#", 2));
  ASSERT_FALSE(a.insert("y", 3));
  tern::topic_trie<int> b(std::move(a));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(matched(b, "x/q"), (std::vector<int>{1, 2}));
  EXPECT_EQ(b.erase("x/+"), 1u);  // parent pointers point into b
  EXPECT_EQ(b.erase("y"), 1u);
  EXPECT_EQ(b.node_count(), 1u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty and usable
  EXPECT_EQ(a.node_count(), 0u);
  ASSERT_FALSE(a.insert("z", 4));
  b = std::move(a);
  EXPECT_EQ(matched(b, "z"), (std::vector<int>{4}));
  EXPECT_EQ(matched(b, "x/q"), std::vector<int>{});
  b.clear();
  EXPECT_EQ(b.node_count(), 0u);
  EXPECT_TRUE(b.empty());
}

TEST(Trie, MatchAllocatesNothing) {
  tern::topic_trie<int> trie;
  const char* filters[] = {"plant/line1/+/temp", "plant/#", "+/line1/m1/temp", "plant/line1/m1/temp", "#"};
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(trie.insert(filters[i], i));
  const std::string name = "plant/line1/m1/temp";
  int sum = 0;
  const std::size_t before = tern::test::thread_allocations();
  const std::size_t n = trie.for_each_match(name, [&](int v) { sum += v; });
  const std::size_t count = trie.count("plant/line1/m1/temp");
  EXPECT_EQ(tern::test::thread_allocations() - before, 0u);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(sum, 0 + 1 + 2 + 3 + 4);
  EXPECT_EQ(count, 1u);
}

}  // namespace
}  // namespace trie_test
