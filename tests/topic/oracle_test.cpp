// The trie against brute force: random filters and names over a small
// alphabet (so that matches happen, '$' names included), fixed seed. For every
// name the trie must return exactly the filters `matches` accepts, through
// inserts and erases, and erasing everything must leave no node behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "random_topics.hpp"
#include "tern/topic.hpp"

namespace oracle_test {
namespace {

using tern::test::random_filter;
using tern::test::random_name;
using tern::test::rng;

std::vector<std::size_t> from_trie(const tern::topic_trie<std::size_t>& trie, const std::string& name) {
  std::vector<std::size_t> got;
  const std::size_t n = trie.for_each_match(name, [&](std::size_t i) { got.push_back(i); });
  EXPECT_EQ(n, got.size());
  std::sort(got.begin(), got.end());
  return got;
}

std::vector<std::size_t> brute_force(const std::vector<std::string>& filters, const std::vector<bool>& live,
                                     const std::string& name) {
  std::vector<std::size_t> want;
  for (std::size_t i = 0; i < filters.size(); ++i)
    if (live[i] && tern::matches(filters[i], name)) want.push_back(i);
  return want;
}

TEST(Oracle, TrieEqualsBruteForce) {
  rng r(20240611);
  constexpr std::size_t rounds = 100;
  constexpr std::size_t per_round = 500;  // filters and names per round: 100,000 in all
  std::size_t generated = 0;
  std::size_t total_matches = 0;
  std::size_t dollar_names = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    tern::topic_trie<std::size_t> trie;
    std::vector<std::string> filters;
    for (std::size_t i = 0; i < per_round; ++i) {
      filters.push_back(random_filter(r));
      ASSERT_FALSE(tern::validate_topic_filter(filters.back())) << filters.back();
      ASSERT_FALSE(trie.insert(filters.back(), i));
    }
    std::vector<bool> live(filters.size(), true);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < per_round; ++i) {
      names.push_back(random_name(r));
      ASSERT_FALSE(tern::validate_topic_name(names.back())) << names.back();
    }
    generated += filters.size() + names.size();
    for (const auto& name : names) {
      const auto want = brute_force(filters, live, name);
      ASSERT_EQ(from_trie(trie, name), want) << "round " << round << " name " << name;
      total_matches += want.size();
      dollar_names += name[0] == '$';
    }

    // Erase a random half (in random order), check again, then erase the rest.
    std::vector<std::size_t> order(filters.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
    for (std::size_t k = 0; k < order.size() / 2; ++k) {
      const std::size_t i = order[k];
      ASSERT_EQ(trie.erase(filters[i], i), 1u) << filters[i];
      live[i] = false;
    }
    EXPECT_EQ(trie.size(), filters.size() - order.size() / 2);
    for (std::size_t k = 0; k < names.size(); k += 5)
      ASSERT_EQ(from_trie(trie, names[k]), brute_force(filters, live, names[k])) << names[k];
    for (std::size_t k = order.size() / 2; k < order.size(); ++k)
      ASSERT_EQ(trie.erase(filters[order[k]], order[k]), 1u) << filters[order[k]];
    EXPECT_TRUE(trie.empty());
    ASSERT_EQ(trie.node_count(), 0u) << "round " << round;
  }
  EXPECT_GE(generated, 100'000u);
  // The alphabet is small enough that the comparison is not vacuous.
  EXPECT_GT(total_matches, generated);
  EXPECT_GT(dollar_names, generated / 10);
  RecordProperty("matches", static_cast<int>(total_matches));
}

}  // namespace
}  // namespace oracle_test
