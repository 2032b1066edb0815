#pragma once
// Latencies of millions of receipts in a few kilobytes: log-linear buckets
// (64 per power of two, so a percentile is within 1.6 % of the truth),
// counted with relaxed atomics so that several reader threads share one.

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace tern::web_bench {

class latency_histogram {
 public:
  void add(std::int64_t ns) {
    auto v = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
    buckets_[index(v)].fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (auto& b : buckets_) n += b.load(std::memory_order_relaxed);
    return n;
  }

  /// The value below which a fraction `q` of the samples lie, in ns; 0 when empty.
  std::int64_t percentile(double q) const {
    std::uint64_t total = count();
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen >= rank) return static_cast<std::int64_t>(lower_bound(i));
    }
    return 0;
  }

 private:
  static constexpr unsigned sub_bits = 6;
  static constexpr std::size_t sub = std::size_t{1} << sub_bits;

  static std::size_t index(std::uint64_t v) {
    if (v < sub) return v;
    unsigned e = 63 - static_cast<unsigned>(std::countl_zero(v));
    return (e - sub_bits + 1) * sub + ((v >> (e - sub_bits)) & (sub - 1));
  }
  static std::uint64_t lower_bound(std::size_t i) {
    if (i < sub) return i;
    unsigned e = static_cast<unsigned>(i / sub) + sub_bits - 1;
    return (std::uint64_t{1} << e) | (std::uint64_t{i % sub} << (e - sub_bits));
  }

  std::array<std::atomic<std::uint64_t>, (64 - sub_bits + 1) * sub> buckets_{};
};

}  // namespace tern::web_bench
