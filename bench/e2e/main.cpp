// tern-bench: one subscriber and one publisher connection of the library
// under test, through a real broker. Prints, last, one line of key=value
// pairs; see docs/performance.md.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "../alloc_counter.hpp"
#include "peers.hpp"

namespace {

using namespace tern::e2e;

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "tern-bench: %s\nusage: tern-bench --peer PEER --host H --port P "
               "--qos Q --count N --size S [--window W] [--rate R] [--timeout SECS] [--store-dir D]\n"
               "  [--read-interval US|auto]\n"
               "peers: tern, tern-memstore, tern-every, tern-batch, tern-none (a file store with that sync policy), "
               "mosquitto, mosquitto-nodelay, paho, paho-persist (Paho's default file persistence)\n"
               "--read-interval: the tern subscriber's client_options::read_interval, in microseconds,\n"
               "  or auto (1000, adaptive)\n",
               why);
  std::exit(2);
}

settings parse(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage("every flag takes a value");
    const char* v = argv[++i];
    if (a == "--peer") s.peer = v;
    else if (a == "--host") s.host = v;
    else if (a == "--port") s.port = std::atoi(v);
    else if (a == "--qos") s.qos = std::atoi(v);
    else if (a == "--count") s.count = std::strtoull(v, nullptr, 10);
    else if (a == "--size") s.size = std::strtoull(v, nullptr, 10);
    else if (a == "--window") s.window = std::strtoull(v, nullptr, 10);
    else if (a == "--rate") s.rate = std::atof(v);
    else if (a == "--timeout") s.timeout_s = std::atof(v);
    else if (a == "--store-dir") s.store_dir = v;
    else if (a == "--read-interval") {
      s.read_interval_adaptive = std::string_view(v) == "auto";
      s.read_interval_us = s.read_interval_adaptive ? 1000 : std::atol(v);
    } else {
      usage("unknown flag");
    }
  }
  if (s.qos < 0 || s.qos > 2) usage("--qos takes 0, 1 or 2");
  if (s.size < 16) usage("--size must be at least 16 (sequence number and timestamp)");
  if (s.count == 0) usage("--count must be positive");
  s.topic = "tern-bench/" + std::to_string(::getpid()) + "/" + std::to_string(tern::e2e::mono_ns());
  return s;
}

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::unique_ptr<peer> make(const std::string& name) {
  if (name == "tern") return make_tern_peer();
  if (name == "tern-memstore") return make_tern_peer("memory");
  if (name == "tern-every" || name == "tern-batch" || name == "tern-none") return make_tern_peer(name.substr(5));
#ifdef TERN_BENCH_MOSQUITTO
  if (name == "mosquitto") return make_mosquitto_peer(false);
  if (name == "mosquitto-nodelay") return make_mosquitto_peer(true);
#endif
#ifdef TERN_BENCH_PAHO
  if (name == "paho") return make_paho_peer();
  if (name == "paho-persist") return make_paho_peer(true);
#endif
  return nullptr;
}

double percentile_us(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  auto s = parse(argc, argv);
  auto p = make(s.peer);
  if (!p) usage("unknown peer, or built without it");
  // The persisting peers write under --store-dir (a fresh directory, removed
  // afterwards, when none is given; put it on the disk you mean to measure).
  std::string own_dir;
  if (s.store_dir.empty()) {
    char tmpl[] = "/var/tmp/tern-bench-store-XXXXXX";
    if (!::mkdtemp(tmpl)) usage("cannot make a store directory under /var/tmp");
    s.store_dir = own_dir = tmpl;
  }
  struct cleanup {
    std::string dir;
    ~cleanup() {
      if (!dir.empty()) std::filesystem::remove_all(dir);
    }
  } remove_own_dir{own_dir};
  tracker t(s.count);
  window_gate g(s.window);
  if (auto err = p->start(s, t, g); !err.empty()) {
    std::fprintf(stderr, "tern-bench: %s: %s\n", s.peer.c_str(), err.c_str());
    std::printf("peer=%s status=pub_error\n", s.peer.c_str());
    return 1;
  }

  std::vector<std::byte> payload(s.size, std::byte{'x'});
  const std::string status_ok = "ok";
  std::string status = status_ok;
  double cpu0 = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(s.timeout_s));
  std::uint64_t allocs_mid = 0, allocs_end = 0, counted = 0;
  for (std::uint64_t i = 0; i < s.count; ++i) {
    if (s.rate > 0) {
      auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(i) / s.rate));
      std::this_thread::sleep_until(due);
    }
    g.acquire();
    if (i == s.count / 4) allocs_mid = tern::bench::allocations();  // steady state: skip the warm-up
    if (i == 3 * s.count / 4) {
      allocs_end = tern::bench::allocations();
      counted = i - s.count / 4;
    }
    stamp(payload.data(), i);
    if (!p->publish(payload.data(), payload.size())) {
      status = "pub_error";
      break;
    }
  }
  if (status == status_ok && !t.wait_all(deadline)) status = "timeout";
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu0;
  p->stop();

  auto lat = t.latencies();
  auto received = t.unique();
  if (counted)
    std::printf("allocs_per_msg=%.2f (whole process, both connections, publisher's payload copy included)\n",
                static_cast<double>(allocs_end - allocs_mid) / static_cast<double>(counted));
  std::printf(
      "peer=%s qos=%d count=%llu size=%zu secs=%.3f msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f received=%llu lost=%llu "
      "dup=%llu cpu_s=%.3f status=%s\n",
      s.peer.c_str(), s.qos, static_cast<unsigned long long>(s.count), s.size, secs,
      static_cast<double>(received) / secs, percentile_us(lat, 0.50), percentile_us(lat, 0.99),
      static_cast<unsigned long long>(received), static_cast<unsigned long long>(s.count - received),
      static_cast<unsigned long long>(t.dup()), cpu, status.c_str());
  return status == status_ok ? 0 : 1;
}
