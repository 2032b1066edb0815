#pragma once
// What a load run counts, from any thread at once: connections, messages,
// latencies. Every counter is a relaxed atomic: the engines' callbacks run on
// many threads and must not serialise on a lock to be counted.

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::load {

/// Latencies in microseconds, in log-linear buckets (16 per power of two:
/// a percentile is off by at most 1/16 of its value).
class latency_histogram {
 public:
  void record(std::uint64_t us) noexcept { buckets_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t count() const noexcept {
    std::uint64_t n = 0;
    for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
    return n;
  }
  /// The latency below which a fraction `p` of the samples fall (the upper
  /// end of that bucket); 0 without samples.
  double percentile_us(double p) const noexcept {
    std::uint64_t total = count(), seen = 0;
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total - 1)) + 1;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen >= rank) return static_cast<double>(upper_of(i));
    }
    return static_cast<double>(upper_of(buckets_.size() - 1));
  }

 private:
  static constexpr unsigned sub = 4;  // 2^4 buckets per power of two
  static std::size_t bucket_of(std::uint64_t v) noexcept {
    if (v < (1u << sub)) return static_cast<std::size_t>(v);
    unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
    auto mantissa = static_cast<std::size_t>((v >> (msb - sub)) & ((1u << sub) - 1));
    return ((msb - sub + 1) << sub) + mantissa;
  }
  static std::uint64_t upper_of(std::size_t i) noexcept {
    if (i < (1u << sub)) return i;
    unsigned msb = static_cast<unsigned>(i >> sub) + sub - 1;
    std::uint64_t mantissa = i & ((1u << sub) - 1);
    return ((std::uint64_t{1} << sub | mantissa) + 1) << (msb - sub);
  }
  std::array<std::atomic<std::uint64_t>, (64 - sub + 1) << sub> buckets_{};
};

/// The payload's first 8 bytes carry the send time (steady clock, ns),
/// which every process on the machine reads alike: a subscriber in another
/// process measures the latency from it.
inline void stamp(std::span<std::byte> payload) noexcept {
  auto ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  std::memcpy(payload.data(), &ns, sizeof ns);
}

struct load_stats {
  std::atomic<std::size_t> connected{0};      ///< clients whose first CONNACK accepted them
  std::atomic<std::size_t> failed{0};         ///< clients whose first attempt failed
  std::atomic<std::size_t> disconnects{0};    ///< connections lost after being accepted
  std::atomic<std::size_t> reconnects{0};     ///< connections accepted again after a loss
  std::atomic<std::uint64_t> sent{0};         ///< publishes handed to the client library
  std::atomic<std::uint64_t> completed{0};    ///< publishes completed (QoS 0 written, PUBACK, PUBCOMP)
  std::atomic<std::uint64_t> publish_errors{0};
  std::atomic<std::uint64_t> received{0};
  latency_histogram latency;
  /// Steady-clock time (ns) of the last first CONNACK.
  std::atomic<std::int64_t> last_connected_ns{0};

  /// A message arrived: counts it and its latency (from its stamp).
  void delivered(std::span<const std::byte> payload) noexcept {
    received.fetch_add(1, std::memory_order_relaxed);
    if (payload.size() < 8) return;
    std::uint64_t sent_ns;
    std::memcpy(&sent_ns, payload.data(), sizeof sent_ns);
    auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
    latency.record(now > sent_ns ? (now - sent_ns) / 1000 : 0);
  }
  void first_connack() noexcept {
    connected.fetch_add(1, std::memory_order_relaxed);
    last_connected_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count(),
                            std::memory_order_relaxed);
  }
  /// A client's first attempt failed; the first few distinct reasons are kept for the summary.
  void first_failure(std::string_view why) {
    failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_);
    for (auto& r : reasons_)
      if (r.first == why) return void(++r.second);
    if (reasons_.size() < 5) reasons_.emplace_back(std::string(why), 1);
  }
  /// "reason (n clients); ..." for the failures seen.
  std::string failure_reasons() {
    std::lock_guard lock(m_);
    std::string s;
    for (auto& [why, n] : reasons_) s += (s.empty() ? "" : "; ") + why + " (" + std::to_string(n) + ")";
    return s;
  }

 private:
  std::mutex m_;
  std::vector<std::pair<std::string, std::size_t>> reasons_;
};

}  // namespace tern::load
