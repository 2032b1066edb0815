// A down row: the readers open, warm-up messages flow until every open
// client has one, then the publisher (tern's client, in this process, on
// its own I/O thread) publishes rate x duration stamped messages paced on
// CLOCK_MONOTONIC, and the row waits for stragglers.

#include <algorithm>
#include <cmath>
#include <thread>

#include "down_tally.hpp"
#include "mqtt_side.hpp"
#include "row.hpp"
#include "row_output.hpp"

namespace tern::web_bench {
namespace {

void sleep_until_ns(std::int64_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

down_protocol protocol_of(const std::string& p) {
  return p == "ws" ? down_protocol::ws : p == "sio" ? down_protocol::sio : down_protocol::sse;
}

}  // namespace

int run_down(const row_settings& s) {
  row_line line;
  line.add("mode", "down").add("proto", s.proto).add("clients", s.clients).add("rate", s.rate);
  mqtt_side mqtt(s.broker_host, s.broker_port);
  if (!mqtt.wait_connected(10)) {
    line.add("status", "no_broker").print();
    return 1;
  }
  down_tally tally(s.clients);
  reader_pool readers(s.threads);
  readers.open(protocol_of(s.proto), s.server, tally, s.clients, s.concurrent_connects);
  auto connect_deadline = mono_ns() + static_cast<std::int64_t>(s.connect_timeout * 1e9);
  while (tally.opened() + tally.refused() + tally.failed() < s.clients && mono_ns() < connect_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::uint64_t opened = tally.opened();

  // Until every open client has a warm-up message, the route (the server's
  // or the stream's subscription) may not be in place yet.
  auto warm_deadline = mono_ns() + 30'000'000'000;
  for (std::uint64_t w = 0; opened && tally.warm() < opened - tally.lost() && mono_ns() < warm_deadline; ++w) {
    mqtt.publish(s.server.filter, make_stamp('w', w, mono_ns()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::uint64_t warm = tally.warm();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the warm-up's tail

  server_probe server{s.server_pid};
  auto count = static_cast<std::uint64_t>(std::llround(s.rate * s.duration));
  std::int64_t t0 = mono_ns();
  std::uint64_t published = 0, refused_publishes = 0;
  if (opened) {
    for (std::uint64_t i = 0; i < count; ++i) {
      // Messages due within 100 µs go at once: a sleep per message would
      // cost more than the gap between them above 10,000 msgs/s.
      auto due = t0 + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / s.rate);
      if (due > mono_ns() + 100'000) sleep_until_ns(due);
      if (mqtt.publish(s.server.filter, make_stamp('m', i, mono_ns()))) ++published;
      else ++refused_publishes;
    }
  }
  std::int64_t t_end = mono_ns();
  double drain = s.drain > 0 ? s.drain : std::max(2.0, s.duration);
  std::uint64_t expected = published * opened, seen = tally.received();
  std::int64_t last_progress = mono_ns();
  while (opened && tally.received() < expected && mono_ns() - t_end < static_cast<std::int64_t>(drain * 1e9) &&
         mono_ns() - last_progress < 2'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (tally.received() != seen) seen = tally.received(), last_progress = mono_ns();
  }
  double cpu = server.cpu_used(), own_cpu = server.own_cpu_used();
  auto rss = server.rss_kib();
  std::uint64_t lost = tally.lost();
  readers.stop();

  std::uint64_t received = tally.received();
  double span = static_cast<double>(std::max(tally.last_receipt_ns(), t_end) - t0) / 1e9;
  line.add("opened", opened).add("refused", tally.refused()).add("failed", tally.failed()).add("lost", lost);
  // What the publisher achieved: below the rate when the bench itself is short of CPU.
  double pub_span = static_cast<double>(t_end - t0) / 1e9;
  line.add("warm", warm).add("published", published).add("publish_refused", refused_publishes);
  line.add("published_per_s", pub_span > 0 ? static_cast<std::uint64_t>(static_cast<double>(published) / pub_span) : 0);
  line.add("received", received).add("drops", expected - std::min(expected, received));
  line.add("server_dropped", tally.server_dropped());
  line.add("delivered_per_s", received ? static_cast<std::uint64_t>(static_cast<double>(received) / span) : 0);
  line.add("p50_us", tally.latency().percentile(0.50) / 1000).add("p99_us", tally.latency().percentile(0.99) / 1000);
  line.add("server_cpu_s", cpu);
  line.add("cpu_us_per_delivery", received ? cpu * 1e6 / static_cast<double>(received) : 0.0);
  line.add("rss_kib", rss);
  line.add("bench_cpu_us_per_delivery", received ? own_cpu * 1e6 / static_cast<double>(received) : 0.0);
  line.add("status", opened == s.clients ? "ok" : opened ? "partial" : "no_clients");
  line.text("problem", tally.first_problem()).print();
  return 0;
}

}  // namespace tern::web_bench
