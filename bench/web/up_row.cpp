// An up row: C clients open, then each sends publish requests back to back
// for the duration; a tern subscriber in this process counts what reached
// the broker.

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

#include "mqtt_side.hpp"
#include "row.hpp"
#include "row_output.hpp"
#include "stamp.hpp"

namespace tern::web_bench {

int run_up(const row_settings& s) {
  row_line line;
  line.add("mode", "up").add("proto", s.proto).add("clients", s.clients);
  mqtt_side mqtt(s.broker_host, s.broker_port);
  if (!mqtt.wait_connected(10) || !mqtt.count_arrivals(s.server.filter, 10)) {
    line.add("status", "no_broker").print();
    return 1;
  }
  up_protocol p = s.proto == "ws" ? up_protocol::ws : s.proto == "sio" ? up_protocol::sio : up_protocol::http;
  up_spec spec{s.server, s.server.filter, make_stamp('u', 0, 0)};
  up_tally tally;

  boost::asio::io_context ioc(s.threads);
  auto work = boost::asio::make_work_guard(ioc);
  std::vector<std::thread> threads;
  for (int t = 0; t < s.threads; ++t) threads.emplace_back([&ioc] { ioc.run(); });

  std::vector<std::shared_ptr<up_client>> clients;
  for (std::size_t i = 0; i < s.clients; ++i) clients.push_back(make_up_client(p, ioc, spec, tally));
  // A few at a time, each one's answer starting the next (see readers.hpp).
  std::atomic<std::size_t> next{0}, answered{0}, ready{0};
  std::function<void()> launch = [&] {
    std::size_t i = next.fetch_add(1);
    if (i >= clients.size()) return;
    clients[i]->connect([&](bool ok) {
      if (ok) ready.fetch_add(1);
      answered.fetch_add(1);
      launch();
    });
  };
  for (std::size_t k = 0; k < s.concurrent_connects && k < s.clients; ++k) boost::asio::post(ioc, launch);
  auto connect_deadline = mono_ns() + static_cast<std::int64_t>(s.connect_timeout * 1e9);
  while (answered.load() < s.clients && mono_ns() < connect_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  server_probe server{s.server_pid};
  std::uint64_t arrivals0 = mqtt.arrivals();
  std::int64_t t0 = mono_ns(), until = t0 + static_cast<std::int64_t>(s.duration * 1e9);
  if (ready.load()) {
    for (auto& c : clients) c->run(until);
  }
  while (mono_ns() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // The requests under way at the deadline finish (or 2 s pass).
  std::uint64_t done = tally.ok() + tally.failed();
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto now_done = tally.ok() + tally.failed();
    if (now_done == done && i >= 10) break;
    done = now_done;
  }
  double span = static_cast<double>(std::max(tally.last_answer_ns(), until) - t0) / 1e9;
  double cpu = server.cpu_used();
  auto rss = server.rss_kib();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last publishes reach the broker
  std::uint64_t arrivals = mqtt.arrivals() - arrivals0;
  work.reset();
  ioc.stop();
  for (auto& t : threads) t.join();
  clients.clear();

  std::uint64_t ok = tally.ok();
  line.add("connected", tally.connected()).add("ok", ok).add("failed", tally.failed()).add("errors", tally.errors());
  line.add("requests_per_s", static_cast<std::uint64_t>(static_cast<double>(ok) / span));
  line.add("arrived", arrivals);
  line.add("p50_us", tally.latency().percentile(0.50) / 1000).add("p99_us", tally.latency().percentile(0.99) / 1000);
  line.add("server_cpu_s", cpu).add("cpu_us_per_request", ok ? cpu * 1e6 / static_cast<double>(ok) : 0.0);
  line.add("rss_kib", rss);
  line.add("status", ready.load() == s.clients ? "ok" : ready.load() ? "partial" : "no_clients");
  line.text("problem", tally.first_problem()).print();
  return 0;
}

}  // namespace tern::web_bench
