// Topic dispatch microbenchmarks: match 5-level topic names against 10, 1k,
// 100k and 1M subscriptions in a topic_trie, and against up to 100k with a
// linear scan of tern::matches.
//
// The subscriptions come in units of ten under one "plant<a>/line<b>" prefix:
// 7 exact filters "plant<a>/line<b>/machine<k>/sensor<k%3>/temp" (70 %), two
// with '+' ("plant<a>/line<b>/+/sensor0/temp" and ".../+/+/status", 20 %) and
// one "plant<a>/line<b>/#" (10 %). Every probed name is an exact filter with
// k = 0 or 3, so it matches exactly 3 filters at every size: itself, the first
// '+' filter and the '#' filter.
//
// BM_trie_match cycles through 256 fixed names spread over all units, so the
// paths it walks stay in cache, as for a client that receives a steady set of
// topics: it measures the algorithm. BM_trie_match_cold cycles through 65,536
// names, so at 100k and 1M filters nearly every node it visits is a cache miss:
// it measures the memory system.
//
// Counters: "allocs" is heap allocations per match (must be 0), "bytes/filter"
// the trie's heap footprint divided by the number of filters, "matches" the
// values found per name (must be 3).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "tern/topic.hpp"

namespace {

constexpr std::size_t unit = 10;
constexpr std::size_t hot_probes = 256;
constexpr std::size_t cold_probes = 65'536;

// The i-th filter of a workload, written into `out` (reused, so building a
// million filters does not churn the heap).
void filter_at(std::size_t i, std::string& out) {
  const std::size_t u = i / unit;
  const std::size_t j = i % unit;
  out = "plant";
  out += std::to_string(u / 100);
  out += "/line";
  out += std::to_string(u % 100);
  if (j < 7) {
    out += "/machine";
    out += std::to_string(j);
    out += "/sensor";
    out += std::to_string(j % 3);
    out += "/temp";
  } else if (j == 7) {
    out += "/+/sensor0/temp";
  } else if (j == 8) {
    out += "/+/+/status";
  } else {
    out += "/#";
  }
}

struct workload {
  tern::topic_trie<std::uint32_t> trie;
  std::vector<std::string> filters;  // for the linear scan; kept up to 100k
  std::vector<std::string> hot;
  std::vector<std::string> cold;
  double bytes_per_filter = 0;
};

workload& workload_of(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<workload>> cache;
  auto& w = cache[n];
  if (w) return *w;
  w = std::make_unique<workload>();
  std::string f;
  f.reserve(64);
  const std::uint64_t before = tern::bench::live_bytes();
  for (std::size_t i = 0; i < n; ++i) {
    filter_at(i, f);
    if (w->trie.insert(f, static_cast<std::uint32_t>(i))) std::abort();
  }
  w->bytes_per_filter = static_cast<double>(tern::bench::live_bytes() - before) / static_cast<double>(n);
  if (n <= 100'000) {
    w->filters.reserve(n);
    for (std::size_t i = 0; i < n; ++i) filter_at(i, w->filters.emplace_back());
  }
  // Probes: exact filters whose '+' sibling is "+/sensor0/temp" (k = 0 or 3),
  // spread over the units with a fixed multiplicative hash.
  const std::size_t units = n / unit;
  for (std::size_t i = 0; i < cold_probes; ++i) {
    const std::size_t u = (i * 2654435761u) % units;
    filter_at(u * unit + (i % 2 ? 0 : 3), f);
    if (i < hot_probes) w->hot.push_back(f);
    w->cold.push_back(f);
  }
  return *w;
}

std::size_t trie_match(const workload& w, const std::string& name) {
  std::uint64_t sum = 0;
  const std::size_t n = w.trie.for_each_match(name, [&](std::uint32_t v) { sum += v; });
  benchmark::DoNotOptimize(sum);
  return n;
}

std::size_t linear_match(const workload& w, const std::string& name) {
  std::size_t n = 0;
  for (const auto& f : w.filters) n += tern::matches(f, name);
  return n;
}

template <std::size_t (*Match)(const workload&, const std::string&), bool Cold>
void run(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const workload& w = workload_of(n);
  const std::vector<std::string>& probes = Cold ? w.cold : w.hot;
  // Every probe must match exactly 3 filters, or the sizes are not comparable.
  for (const auto& name : probes)
    if (Match(w, name) != 3) {
      state.SkipWithError("a probe does not match exactly 3 filters");
      return;
    }
  // Allocations, counted outside the timed loop (the framework allocates between batches).
  const std::uint64_t allocs_before = tern::bench::allocations();
  for (const auto& name : probes) benchmark::DoNotOptimize(Match(w, name));
  const std::uint64_t allocs = tern::bench::allocations() - allocs_before;

  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(Match(w, probes[i++ % probes.size()]));
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs"] = static_cast<double>(allocs) / static_cast<double>(probes.size());
  state.counters["matches"] = 3;
  state.counters["filters"] = static_cast<double>(n);
  if (Match == trie_match) state.counters["bytes/filter"] = w.bytes_per_filter;
}

void BM_trie_match(benchmark::State& state) { run<trie_match, false>(state); }
void BM_trie_match_cold(benchmark::State& state) { run<trie_match, true>(state); }
void BM_linear_match(benchmark::State& state) { run<linear_match, false>(state); }

BENCHMARK(BM_trie_match)->Arg(10)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_trie_match_cold)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_linear_match)->Arg(10)->Arg(1'000)->Arg(100'000);

}  // namespace

BENCHMARK_MAIN();
