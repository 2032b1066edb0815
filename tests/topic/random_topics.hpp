#pragma once
// Random topic names and filters over a small alphabet (so that matches
// happen, '$' names included), for the oracle tests.

#include <cstdint>
#include <iterator>
#include <string>

namespace tern::test {

// splitmix64: the same sequence with every standard library.
class rng {
 public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t s_;
};

const char* const levels[] = {"a", "b", "", "A", "$x"};
const char* const first_levels[] = {"a", "b", "", "$SYS", "$x"};

inline std::string random_name(rng& r) {
  const std::size_t depth = 1 + r.below(5);
  std::string s = first_levels[r.below(std::size(first_levels))];
  for (std::size_t i = 1; i < depth; ++i) (s += '/') += levels[r.below(std::size(levels))];
  return s.empty() ? "/" : s;  // one empty level is no topic [MQTT-4.7.3-1]
}

inline std::string random_filter(rng& r) {
  std::string s;
  const std::size_t depth = 1 + r.below(5);
  for (std::size_t i = 0; i < depth; ++i) {
    if (i > 0) s += '/';
    if (i + 1 == depth && r.below(6) == 0) {
      s += '#';
    } else if (r.below(4) == 0) {
      s += '+';
    } else {
      s += (i == 0 ? first_levels : levels)[r.below(std::size(levels))];
    }
  }
  if (s.empty()) s += '/';
  if (r.below(10) != 0) return s;
  std::string shared = r.below(2) ? "$share/g1/" : "$share/g2/";
  shared += s;
  return shared;
}

}  // namespace tern::test
