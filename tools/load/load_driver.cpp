#include "load_driver.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "process_usage.hpp"

namespace tern::load {
namespace {

using steady = std::chrono::steady_clock;
using std::chrono::duration;

double seconds_since(steady::time_point t) { return duration<double>(steady::now() - t).count(); }

const char* mode_name(load_mode m) {
  switch (m) {
    case load_mode::conn: return "conn";
    case load_mode::pub: return "pub";
    case load_mode::sub: return "sub";
  }
  return "?";
}

/// Prints a progress line every `every` seconds until stopped.
class progress_printer {
 public:
  progress_printer(const load_options& o, load_stats& s, steady::time_point start) {
    if (o.progress <= 0) return;
    thread_ = std::thread([this, &o, &s, start] {
      std::uint64_t sent0 = 0, recv0 = 0;
      auto last = steady::now();
      std::unique_lock lock(m_);
      while (!cv_.wait_for(lock, duration<double>(o.progress), [this] { return stop_; })) {
        auto now = steady::now();
        double dt = duration<double>(now - last).count();
        last = now;
        auto sent = s.sent.load(), recv = s.received.load();
        std::fprintf(stderr,
                     "[%6.1fs] connected %zu/%zu failed %zu lost %zu | sent %.0f/s received %.0f/s | "
                     "p50 %.2f ms p99 %.2f ms\n",
                     duration<double>(now - start).count(), s.connected.load(), o.clients, s.failed.load(),
                     s.disconnects.load(), static_cast<double>(sent - sent0) / dt,
                     static_cast<double>(recv - recv0) / dt, s.latency.percentile_us(0.5) / 1000,
                     s.latency.percentile_us(0.99) / 1000);
        sent0 = sent;
        recv0 = recv;
      }
    });
  }
  ~progress_printer() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

void open_all(const load_options& o, load_engine& e, steady::time_point start) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> shift(0, o.jitter);
  double interval = o.connect_rate > 0 ? 1.0 / o.connect_rate : 0;
  for (std::size_t i = 0; i < o.clients; ++i) {
    double at = static_cast<double>(i) * interval + (o.jitter > 0 ? shift(rng) * interval : 0);
    auto due = start + std::chrono::duration_cast<steady::duration>(duration<double>(at));
    if (due > steady::now()) std::this_thread::sleep_until(due);
    e.open(i);
  }
}

// Messages leave round-robin over the clients, evenly spread: the k-th of
// the run at start + k / (clients x rate).
void publish_all(const load_options& o, load_engine& e, load_stats& s, steady::time_point start) {
  std::vector<std::byte> payload(o.size, std::byte{'x'});
  double total_rate = static_cast<double>(o.clients) * o.msg_rate;
  std::uint64_t total = o.limit ? static_cast<std::uint64_t>(o.limit) * o.clients : UINT64_MAX;
  auto end = start + std::chrono::duration_cast<steady::duration>(duration<double>(o.duration));
  for (std::uint64_t k = 0; k < total; ++k) {
    auto due = start + std::chrono::duration_cast<steady::duration>(duration<double>(static_cast<double>(k) / total_rate));
    if (!o.limit && due >= end) break;
    if (due > steady::now()) std::this_thread::sleep_until(due);
    stamp(payload);
    s.sent.fetch_add(1, std::memory_order_relaxed);
    e.publish(static_cast<std::size_t>(k % o.clients), payload);
  }
}

// Samples the messages received and the CPU time every 100 ms for
// `seconds`; returns the span from the last sample before the first message
// to the first sample after the last one, and the CPU spent in it.
std::pair<double, double> traffic_window(double seconds, load_stats& s) {
  auto start = steady::now();
  auto end = start + std::chrono::duration_cast<steady::duration>(duration<double>(seconds));
  auto seen = s.received.load();
  auto prev_t = start;
  double prev_cpu = cpu_seconds();
  const double cpu_start = prev_cpu;
  std::optional<std::pair<steady::time_point, double>> first;
  std::pair<steady::time_point, double> last{start, prev_cpu};
  while (steady::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = steady::now();
    double cpu = cpu_seconds();
    if (auto r = s.received.load(); r != seen) {
      if (!first) first.emplace(prev_t, prev_cpu);
      last = {now, cpu};
      seen = r;
    }
    prev_t = now;
    prev_cpu = cpu;
  }
  if (!first) return {seconds_since(start), cpu_seconds() - cpu_start};
  return {duration<double>(last.first - first->first).count(), last.second - first->second};
}

template <class Pred>
bool wait_for(double seconds, Pred done) {
  auto until = steady::now() + std::chrono::duration_cast<steady::duration>(duration<double>(seconds));
  while (!done()) {
    if (steady::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

int run_load(const load_options& o, load_engine& e, load_stats& s) {
  long rss0 = rss_kib();  // before the descriptors may run out
  std::string note = raise_fd_limit(o.clients + 64);
  if (!note.empty()) std::fprintf(stderr, "%s: %s\n", e.name(), note.c_str());
  auto start = steady::now();
  std::string status = "ok";
  {
    progress_printer progress(o, s, start);
    open_all(o, e, start);
    if (!wait_for(o.connect_timeout - seconds_since(start), [&] { return s.connected + s.failed >= o.clients; }))
      status = "connect_timeout";
    auto last_ns = s.last_connected_ns.load();
    double connect_s =
        last_ns ? duration<double>(std::chrono::nanoseconds(last_ns) - start.time_since_epoch()).count() : 0;
    // The connections settle (the last CONNACKs' handling, the first reads'
    // buffers) before the idle cost is read.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long rss_connected = rss_kib();
    int threads_connected = thread_count();

    auto traffic_start = steady::now();
    double cpu0 = cpu_seconds();
    auto received0 = s.received.load();
    double secs = 0, cpu = 0;
    if (o.mode == load_mode::pub) {
      publish_all(o, e, s, traffic_start);
      if (!wait_for(5, [&] { return s.completed + s.publish_errors >= s.sent; }) && status == "ok") status = "unacked";
      secs = seconds_since(traffic_start);
      cpu = cpu_seconds() - cpu0;
    } else if (o.mode == load_mode::sub) {
      // From the tenth of a second before the first message to the one of
      // the last: the idle time around the traffic is not what a message costs.
      auto [window, window_cpu] = traffic_window(o.duration, s);
      secs = window;
      cpu = window_cpu;
    } else {
      std::this_thread::sleep_for(duration<double>(o.duration));
      secs = seconds_since(traffic_start);
      cpu = cpu_seconds() - cpu0;
    }
    auto received = s.received.load() - received0;
    std::uint64_t msgs = o.mode == load_mode::pub ? s.sent.load() : received;
    if (s.failed > 0 && status == "ok") status = "failures";
    if (s.publish_errors > 0 && status == "ok") status = "publish_errors";
    auto connected = s.connected.load();
    std::printf(
        "tool=%s mode=%s clients=%zu connected=%zu failed=%zu connect_s=%.3f rss_kib=%ld rss_per_conn_kib=%.2f "
        "threads=%d secs=%.3f sent=%llu completed=%llu received=%llu msgs_per_s=%.0f p50_us=%.0f p99_us=%.0f "
        "cpu_s=%.3f cpu_us_per_msg=%.2f lost=%zu reconnects=%zu status=%s\n",
        e.name(), mode_name(o.mode), o.clients, connected, s.failed.load(), connect_s, rss_connected,
        connected ? static_cast<double>(rss_connected - rss0) / static_cast<double>(connected) : 0.0,
        threads_connected, secs, static_cast<unsigned long long>(s.sent.load()),
        static_cast<unsigned long long>(s.completed.load()), static_cast<unsigned long long>(received),
        static_cast<double>(msgs) / secs, s.latency.percentile_us(0.5), s.latency.percentile_us(0.99), cpu,
        msgs ? cpu * 1e6 / static_cast<double>(msgs) : 0.0, s.disconnects.load(), s.reconnects.load(), status.c_str());
    std::fflush(stdout);
    if (s.failed > 0) std::fprintf(stderr, "%s: failures: %s\n", e.name(), s.failure_reasons().c_str());
  }
  e.close_all();
  return status == "ok" ? 0 : 1;
}

}  // namespace tern::load
