// Topic layer fuzzer. The validators must accept any bytes without crashing,
// and on valid inputs the trie must agree with brute-force `matches`.
//
// Input: topics separated by 0xFF, a byte that never occurs in UTF-8, so
// every separated piece can be valid. The whole input is also validated as
// one topic. Valid filters go into a trie (value: their index), valid names
// are looked up; then every filter is erased and no node may remain.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tern/topic.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool is_topic_error(std::error_code ec) {
  if (!ec) return true;
  if (ec.category() != tern::tern_category()) return false;
  const auto e = static_cast<tern::errc>(ec.value());
  // The topic layer's codes, and the two it shares with the codec.
  return (e >= tern::errc::empty_topic && e <= tern::errc::invalid_shared_subscription) ||
         e == tern::errc::utf8_ill_formed || e == tern::errc::wildcard_in_topic_name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(is_topic_error(tern::validate_topic_name(input)));
  check(is_topic_error(tern::validate_topic_filter(input)));
  (void)tern::matches(input, input);  // unspecified for invalid topics, but memory-safe

  std::vector<std::string_view> filters;
  std::vector<std::string_view> names;
  for (std::size_t p = 0; p <= input.size() && filters.size() + names.size() < 128;) {
    std::size_t e = input.find('\xFF', p);
    if (e == std::string_view::npos) e = input.size();
    const std::string_view piece = input.substr(p, e - p);
    p = e + 1;
    const std::error_code fe = tern::validate_topic_filter(piece);
    const std::error_code ne = tern::validate_topic_name(piece);
    check(is_topic_error(fe) && is_topic_error(ne));
    const bool shared = piece.starts_with(tern::shared_subscription_prefix);
    if (!ne) {
      // A valid name is a valid filter that matches itself, unless "$share/" makes it a shared subscription.
      check(shared || (!fe && tern::matches(piece, piece)));
      names.push_back(piece);
    }
    if (!fe) {
      check(!tern::dispatch_filter(piece).empty());
      filters.push_back(piece);
    }
  }

  tern::topic_trie<std::size_t> trie;
  for (std::size_t i = 0; i < filters.size(); ++i) check(!trie.insert(filters[i], i));
  check(trie.size() == filters.size());
  std::vector<std::size_t> got;
  std::vector<std::size_t> want;
  for (const auto name : names) {
    got.clear();
    want.clear();
    const std::size_t n = trie.for_each_match(name, [&](std::size_t i) { got.push_back(i); });
    check(n == got.size());
    for (std::size_t i = 0; i < filters.size(); ++i)
      if (tern::matches(filters[i], name)) want.push_back(i);
    std::sort(got.begin(), got.end());
    check(got == want);
  }
  for (std::size_t i = 0; i < filters.size(); ++i) check(trie.erase(filters[i], i) == 1);
  check(trie.empty() && trie.node_count() == 0);
  return 0;
}
