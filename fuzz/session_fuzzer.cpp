// A session after a valid CONNACK, fed arbitrary broker bytes interleaved
// with timer ticks, commands, link drops and reconnects chosen by the input.
// Aborts on a broken invariant: a packet the session sends that does not
// decode, the window or the queue over its limit, a message completed twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

#include "tern/codec.hpp"
#include "tern/session.hpp"

namespace {

using namespace std::chrono_literals;

void check(bool ok) {
  if (!ok) std::abort();
}

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
};

struct fuzz_state {
  tern::session s;
  tern::session_options so;
  tern::connect_options co;
  std::vector<tern::action> out;
  tern::clock::time_point now{};
  std::set<tern::message_id> done;

  explicit fuzz_state(const tern::session_options& o) : s(o), so(o) {}

  // Every packet the session sends must be one a client may send, and encoded correctly.
  void verify() {
    for (const auto& a : out) {
      if (const auto* sb = std::get_if<tern::send_bytes>(&a)) {
        std::vector<std::byte> b(sb->head.begin(), sb->head.end());
        b.insert(b.end(), sb->payload.begin(), sb->payload.end());
        auto r = tern::codec::frame_reader().next(b);
        const auto* f = std::get_if<tern::codec::frame>(&r);
        check(f && f->size == b.size());
        auto p = tern::codec::parse(*f, co.version);
        check(p.has_value());
        auto t = tern::type_of(*p);
        check(t != tern::packet_type::connack && t != tern::packet_type::suback &&
              t != tern::packet_type::unsuback && t != tern::packet_type::pingresp);
      } else if (const auto* c = std::get_if<tern::publish_completed>(&a)) {
        check(done.insert(c->mid).second);
      }
    }
    check(s.inflight() <= so.max_inflight);
    check(so.max_queued == 0 || s.queued() <= so.max_queued);
    out.clear();
  }

  void open(bool present) {
    if (s.connect(co, now, out)) return;
    verify();
    std::vector<std::byte> connack{std::byte{0x20}, std::byte{0x02}, std::byte(present ? 1 : 0), std::byte{0}};
    s.on_bytes(connack, now, out);
    verify();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in{data, size};
  auto flags = in.byte();
  tern::session_options so;
  so.max_inflight = 1 + (in.byte() & 7);
  so.max_queued = in.byte() & 15;
  so.max_packet_size = 16 + in.byte() * 4u;
  so.drop_qos0_offline = flags & 0x10;
  so.log_mask = 0x1F;
  fuzz_state st(so);
  st.co.client_id = "fuzz";
  st.co.version = flags & 1 ? tern::protocol_version::v3_1 : tern::protocol_version::v3_1_1;
  st.co.clean_session = flags & 2;
  st.co.keep_alive = flags & 4 ? 5 : 0;
  st.open(false);

  while (in.n) {
    switch (in.byte() % 8) {
      case 0:
      case 1: {  // broker bytes
        std::size_t len = std::min<std::size_t>(in.byte(), in.n);
        st.s.on_bytes(std::span(reinterpret_cast<const std::byte*>(in.p), len), st.now, st.out);
        in.p += len;
        in.n -= len;
        break;
      }
      case 2:
        st.now += std::chrono::seconds(in.byte() % 16);
        st.s.on_timer(st.now, st.out);
        break;
      case 3: {
        auto b = in.byte();
        tern::message m{b & 0x80 ? "a/b" : "t", std::vector<std::byte>(b & 15, std::byte{'x'}),
                        static_cast<tern::qos>(b % 3), (b & 0x40) != 0};
        (void)st.s.publish(std::move(m), st.now, st.out);
        break;
      }
      case 4:
        (void)st.s.subscribe(in.byte() & 1 ? "a/#" : "+/b", static_cast<tern::qos>(in.byte() % 3), st.now, st.out);
        break;
      case 5: (void)st.s.unsubscribe("a/#", st.now, st.out); break;
      case 6:
        st.s.on_link_lost(tern::errc::link_lost, st.now, st.out);
        st.verify();
        st.open(in.byte() & 1 && !st.co.clean_session && st.co.version == tern::protocol_version::v3_1_1);
        break;
      case 7:
        (void)st.s.disconnect(st.now, st.out);
        st.verify();
        if (in.byte() & 1) st.open(false);
        break;
    }
    st.verify();
  }
  return 0;
}
