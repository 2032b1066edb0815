// Codec microbenchmarks: decode and encode of PUBLISH (16-byte topic; payloads
// 0, 64, 1 KiB, 64 KiB), CONNECT with will and credentials, SUBACK with 100
// return codes, and a memcpy of the same bytes as the floor. Each reports
// bytes/s and heap allocations per operation ("allocs", must be 0).

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "tern/codec.hpp"

namespace {

using tern::bytes_view;

constexpr std::string_view topic16 = "sensors/room/t01";  // 16 bytes

std::vector<std::byte> wire_of(const tern::packet_view& p) {
  std::vector<std::byte> out;
  if (tern::codec::encode_to(p, out)) std::abort();
  return out;
}

const std::string& payload_of(std::size_t n) {
  static std::vector<std::string> keep;
  for (auto& s : keep)
    if (s.size() == n) return s;
  return keep.emplace_back(n, 'x');
}

tern::publish_view publish_of(std::size_t n) {
  return {topic16, tern::as_bytes(payload_of(n)), tern::qos::at_least_once, false, false, 42};
}

tern::connect_view connect_full() {
  static const std::string will_payload(32, 'w');
  tern::connect_view c;
  c.client_id = "bench-client-0001";
  c.keep_alive = 60;
  c.will = tern::will_view{"clients/bench/status", tern::as_bytes(will_payload), tern::qos::at_least_once, true};
  c.user_name = "bench-user";
  c.password = tern::as_bytes("correct horse battery staple");
  return c;
}

tern::suback_view suback100() {
  static std::vector<std::uint8_t> codes = [] {
    std::vector<std::uint8_t> v;
    for (int i = 0; i < 100; ++i) v.push_back(static_cast<std::uint8_t>(i % 3));
    return v;
  }();
  return {7, codes};
}

// Heap allocations per call of `op`, counted over a fixed number of calls
// outside the timed loop (the framework allocates between timed batches).
template <class Op>
double allocs_per_op(Op&& op) {
  constexpr int calls = 1000;
  op();  // warm
  auto before = tern::bench::allocations();
  for (int i = 0; i < calls; ++i) op();
  return static_cast<double>(tern::bench::allocations() - before) / calls;
}

template <class Op>
void run(benchmark::State& state, std::size_t bytes, Op&& op) {
  for (auto _ : state) op();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["allocs"] = allocs_per_op(op);
}

void decode(benchmark::State& state, const std::vector<std::byte>& wire) {
  tern::codec::frame_reader reader;
  run(state, wire.size(), [&] {
    bytes_view in(wire);
    benchmark::DoNotOptimize(in.data());
    auto r = reader.next(in);
    auto p = tern::codec::parse(std::get<tern::codec::frame>(r));
    benchmark::DoNotOptimize(p);
  });
}

void encode(benchmark::State& state, const tern::packet_view& p, std::size_t wire_size) {
  std::vector<std::byte> out(*tern::codec::encoded_head_size(p));
  run(state, wire_size, [&] {
    auto size = tern::codec::encoded_head_size(p);
    auto e = tern::codec::encode(p, std::span(out).first(*size));
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  });
}

void BM_DecodePublish(benchmark::State& state) {
  // frame_reader + parse_publish: what the session runs for each PUBLISH.
  auto wire = wire_of(publish_of(static_cast<std::size_t>(state.range(0))));
  tern::codec::frame_reader reader;
  run(state, wire.size(), [&] {
    bytes_view in(wire);
    benchmark::DoNotOptimize(in.data());
    auto r = reader.next(in);
    auto p = tern::codec::parse_publish(std::get<tern::codec::frame>(r));
    benchmark::DoNotOptimize(p);
  });
}

void BM_DecodePublishAsPacketView(benchmark::State& state) {
  // The generic parse(), which returns any packet type.
  decode(state, wire_of(publish_of(static_cast<std::size_t>(state.range(0)))));
}

void BM_EncodePublish(benchmark::State& state) {
  // Header into a small buffer; the payload is left to gather I/O.
  auto p = publish_of(static_cast<std::size_t>(state.range(0)));
  std::byte head[32];
  run(state, wire_of(p).size(), [&] {
    benchmark::DoNotOptimize(p.payload);
    auto size = tern::codec::encoded_head_size(p);
    auto e = tern::codec::encode(p, std::span(head).first(*size));
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  });
}

void BM_MemcpyPublishBytes(benchmark::State& state) {
  auto wire = wire_of(publish_of(static_cast<std::size_t>(state.range(0))));
  std::vector<std::byte> dst(wire.size());
  run(state, wire.size(), [&] {
    std::size_t n = wire.size();
    benchmark::DoNotOptimize(n);  // a run-time size, as the decoder sees
    std::memcpy(dst.data(), wire.data(), n);
    benchmark::ClobberMemory();
  });
}

void BM_StreamDecodePublish(benchmark::State& state) {
  // The client's path: bytes land in the decoder's own buffer, then next().
  auto wire = wire_of(publish_of(static_cast<std::size_t>(state.range(0))));
  tern::codec::stream_decoder d;
  run(state, wire.size(), [&] {
    auto dst = d.prepare(wire.size());
    std::memcpy(dst.data(), wire.data(), wire.size());
    d.commit(wire.size());
    auto r = d.next();
    benchmark::DoNotOptimize(r);
  });
}

void BM_DecodeConnect(benchmark::State& state) { decode(state, wire_of(connect_full())); }
void BM_EncodeConnect(benchmark::State& state) {
  auto c = connect_full();
  encode(state, c, wire_of(c).size());
}
void BM_DecodeSuback100(benchmark::State& state) { decode(state, wire_of(suback100())); }
void BM_EncodeSuback100(benchmark::State& state) {
  auto s = suback100();
  encode(state, s, wire_of(s).size());
}

}  // namespace

BENCHMARK(BM_DecodePublish)->Arg(0)->Arg(64)->Arg(1024)->Arg(65536);
BENCHMARK(BM_DecodePublishAsPacketView)->Arg(64);
BENCHMARK(BM_MemcpyPublishBytes)->Arg(0)->Arg(64)->Arg(1024)->Arg(65536);
BENCHMARK(BM_EncodePublish)->Arg(0)->Arg(64)->Arg(1024)->Arg(65536);
BENCHMARK(BM_StreamDecodePublish)->Arg(64)->Arg(65536);
BENCHMARK(BM_DecodeConnect);
BENCHMARK(BM_EncodeConnect);
BENCHMARK(BM_DecodeSuback100);
BENCHMARK(BM_EncodeSuback100);

BENCHMARK_MAIN();
