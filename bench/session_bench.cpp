// Messages per second through the session alone (no I/O), and heap
// allocations per message in steady state.
//
// Counted: allocations inside session calls only (publish, on_bytes). Not
// counted: the caller building its `message` (the payload vector), which the
// application does before calling publish; freeing is never counted.
#include <benchmark/benchmark.h>

#include "alloc_counter.hpp"
#include "tern/codec.hpp"
#include "tern/session.hpp"

namespace {

using tern::bench::allocations;

constexpr std::size_t payload_size = 64;

struct bench_session {
  tern::session s;
  std::vector<tern::action> out;
  tern::clock::time_point now{};
  std::uint64_t session_allocs = 0;

  bench_session() : s(tern::session_options{}) {
    tern::connect_options o;
    o.client_id = "bench";
    o.keep_alive = 0;
    (void)s.connect(o, now, out);
    std::byte connack[] = {std::byte{0x20}, std::byte{0x02}, std::byte{0}, std::byte{0}};
    out.clear();
    s.on_bytes(connack, now, out);
  }
  tern::message make(tern::qos q) const {
    return {"sensors/room1/temperature", std::vector<std::byte>(payload_size, std::byte{'x'}), q, false};
  }
  std::uint16_t publish(tern::qos q) {
    auto m = make(q);  // the caller's allocation: not counted
    out.clear();
    auto before = allocations();
    auto r = s.publish(std::move(m), now, out);
    session_allocs += allocations() - before;
    benchmark::DoNotOptimize(r);
    std::uint16_t id = 0;
    for (auto& a : out)
      if (auto* sb = std::get_if<tern::send_bytes>(&a)) {
        benchmark::DoNotOptimize(sb->head.data());
        if (q != tern::qos::at_most_once)
          id = static_cast<std::uint16_t>((std::to_integer<unsigned>(sb->head[sb->head.size() - 2]) << 8) |
                                          std::to_integer<unsigned>(sb->head[sb->head.size() - 1]));
      }
    return id;
  }
  void feed(std::span<const std::byte> b) {
    out.clear();
    auto before = allocations();
    s.on_bytes(b, now, out);
    session_allocs += allocations() - before;
    benchmark::DoNotOptimize(out.data());
  }
};

std::array<std::byte, 4> ack(std::uint8_t first, std::uint16_t id) {
  return {std::byte{first}, std::byte{2}, std::byte(id >> 8), std::byte(id & 0xFF)};
}

void finish(benchmark::State& state, bench_session& b, std::uint64_t warm) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload_size));
  state.counters["allocs_per_msg"] = benchmark::Counter(
      static_cast<double>(b.session_allocs - warm) / static_cast<double>(std::max<std::int64_t>(state.iterations(), 1)));
}

void BM_Qos0Publish(benchmark::State& state) {
  bench_session b;
  for (int i = 0; i < 1000; ++i) b.publish(tern::qos::at_most_once);  // warm-up: buffers reach their size
  auto warm = b.session_allocs;
  for (auto _ : state) b.publish(tern::qos::at_most_once);
  finish(state, b, warm);
}

void BM_Qos1PublishPuback(benchmark::State& state) {
  bench_session b;
  for (int i = 0; i < 1000; ++i) b.feed(ack(0x40, b.publish(tern::qos::at_least_once)));
  auto warm = b.session_allocs;
  for (auto _ : state) b.feed(ack(0x40, b.publish(tern::qos::at_least_once)));
  finish(state, b, warm);
}

void BM_Qos2FullFlow(benchmark::State& state) {
  bench_session b;
  auto flow = [&] {
    auto id = b.publish(tern::qos::exactly_once);
    b.feed(ack(0x50, id));
    b.feed(ack(0x70, id));
  };
  for (int i = 0; i < 1000; ++i) flow();
  auto warm = b.session_allocs;
  for (auto _ : state) flow();
  finish(state, b, warm);
}

void BM_IncomingQos1DeliverPuback(benchmark::State& state) {
  bench_session b;
  std::vector<std::byte> payload(payload_size, std::byte{'x'});
  std::vector<std::byte> wire;
  (void)tern::codec::encode_to(
      tern::publish_view{"sensors/room1/temperature", payload, tern::qos::at_least_once, false, false, 7}, wire);
  for (int i = 0; i < 1000; ++i) b.feed(wire);
  auto warm = b.session_allocs;
  for (auto _ : state) b.feed(wire);
  finish(state, b, warm);
}

BENCHMARK(BM_Qos0Publish);
BENCHMARK(BM_Qos1PublishPuback);
BENCHMARK(BM_Qos2FullFlow);
BENCHMARK(BM_IncomingQos1DeliverPuback);

}  // namespace

BENCHMARK_MAIN();
