// A message store file of arbitrary bytes: reading it never crashes, says
// how much it dropped, and what it kept is a state a session can be rebuilt
// from, which written afresh (compacted) reads back the same and undamaged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "store/log_format.hpp"
#include "tern/session.hpp"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = std::as_bytes(std::span(data, size));
  auto r = tern::detail::recover_store(file);
  if (r.error) {
    check(r.state.messages() == 0 && r.state.inbound() == 0);
    return 0;
  }
  check(r.good_bytes + r.dropped_bytes == size);
  check(r.dropped_bytes == 0 || !r.damage.empty());
  auto state = r.state.snapshot();
  tern::session s;
  check(!s.restore(state));
  check(s.inflight() + s.queued() == state.messages.size());

  std::vector<std::byte> again;
  tern::detail::encode_store_header(again);
  tern::detail::encode_store_state(r.state, again);
  auto r2 = tern::detail::recover_store(again);
  check(!r2.error && r2.dropped_bytes == 0 && r2.skipped == 0);
  check(r2.records == r.state.records());
  auto state2 = r2.state.snapshot();
  check(state2.messages.size() == state.messages.size() && state2.inbound_qos2 == state.inbound_qos2);
  for (std::size_t i = 0; i < state.messages.size(); ++i) {
    const auto& a = state.messages[i];
    const auto& b = state2.messages[i];
    check(a.mid == b.mid && a.msg.topic == b.msg.topic && a.msg.payload == b.msg.payload && a.msg.qos == b.msg.qos &&
          a.msg.retain == b.msg.retain && a.packet_id == b.packet_id && a.pubrec_received == b.pubrec_received);
  }
  return 0;
}
