#include "store/log_format.hpp"

#include <cstring>

#include "store/crc32c.hpp"
#include "tern/error.hpp"

namespace tern::detail {

namespace {

constexpr char magic[8] = {'t', 'e', 'r', 'n', '-', 'm', 'q', 's'};
// Largest body: an accepted message with the longest topic and payload MQTT allows.
constexpr std::size_t max_body = 1 + 4 + 1 + 1 + 2 + 65'535 + 4 + 268'435'455;

void put8(std::vector<std::byte>& out, unsigned v) { out.push_back(static_cast<std::byte>(v)); }
void put16(std::vector<std::byte>& out, unsigned v) {
  put8(out, v & 0xFF);
  put8(out, (v >> 8) & 0xFF);
}
void put32(std::vector<std::byte>& out, std::uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
void put_bytes(std::vector<std::byte>& out, std::span<const std::byte> b) { out.insert(out.end(), b.begin(), b.end()); }

class reader {
 public:
  explicit reader(std::span<const std::byte> b) : b_(b) {}
  bool ok() const noexcept { return ok_; }
  bool done() const noexcept { return at_ == b_.size(); }
  std::uint32_t get(std::size_t n) {
    if (!ok_ || b_.size() - at_ < n) {
      ok_ = false;
      return 0;
    }
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::to_integer<std::uint32_t>(b_[at_ + i]) << (8 * i);
    at_ += n;
    return v;
  }
  std::span<const std::byte> take(std::size_t n) {
    if (!ok_ || b_.size() - at_ < n) {
      ok_ = false;
      return {};
    }
    auto s = b_.subspan(at_, n);
    at_ += n;
    return s;
  }

 private:
  std::span<const std::byte> b_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

// The body of one record as an update, or false when it is not one.
bool decode_body(std::span<const std::byte> body, store_update& u) {
  using kind = store_update::kind;
  reader r(body);
  auto k = r.get(1);
  if (!r.ok() || k > static_cast<unsigned>(kind::inbound_cleared)) return false;
  u = store_update{};
  u.what = static_cast<kind>(k);
  switch (u.what) {
    case kind::message_accepted: {
      u.mid = r.get(4);
      auto q = r.get(1);
      auto retain = r.get(1);
      if (q > 2 || retain > 1) return false;
      u.qos = static_cast<qos>(q);
      u.retain = retain != 0;
      auto topic = r.take(r.get(2));
      u.topic = std::string_view(reinterpret_cast<const char*>(topic.data()), topic.size());
      u.payload = r.take(r.get(4));
      break;
    }
    case kind::message_sent:
    case kind::pubrec_received:
    case kind::message_completed:
      u.mid = r.get(4);
      u.packet_id = static_cast<std::uint16_t>(r.get(2));
      break;
    case kind::inbound_held:
    case kind::inbound_released: u.packet_id = static_cast<std::uint16_t>(r.get(2)); break;
    case kind::inflight_requeued:
    case kind::inbound_cleared: break;
  }
  return r.ok() && r.done();
}

}  // namespace

void encode_store_header(std::vector<std::byte>& out) {
  auto at = out.size();
  put_bytes(out, std::as_bytes(std::span(magic)));
  put32(out, store_format_version);
  put32(out, crc32c(std::span(out).subspan(at, 12)));
}

void encode_store_record(const store_update& u, std::vector<std::byte>& out) {
  using kind = store_update::kind;
  auto at = out.size();
  put32(out, 0);  // length and checksum, filled in below
  put32(out, 0);
  put8(out, static_cast<unsigned>(u.what));
  switch (u.what) {
    case kind::message_accepted:
      put32(out, u.mid);
      put8(out, static_cast<unsigned>(u.qos));
      put8(out, u.retain ? 1 : 0);
      put16(out, static_cast<unsigned>(u.topic.size()));
      put_bytes(out, std::as_bytes(std::span(u.topic.data(), u.topic.size())));
      put32(out, static_cast<std::uint32_t>(u.payload.size()));
      put_bytes(out, u.payload);
      break;
    case kind::message_sent:
    case kind::pubrec_received:
    case kind::message_completed:
      put32(out, u.mid);
      put16(out, u.packet_id);
      break;
    case kind::inbound_held:
    case kind::inbound_released: put16(out, u.packet_id); break;
    case kind::inflight_requeued:
    case kind::inbound_cleared: break;
  }
  auto body = std::span(out).subspan(at + 8);
  auto len = static_cast<std::uint32_t>(body.size());
  auto crc = crc32c(body);
  for (int i = 0; i < 4; ++i) {
    out[at + i] = static_cast<std::byte>((len >> (8 * i)) & 0xFF);
    out[at + 4 + i] = static_cast<std::byte>((crc >> (8 * i)) & 0xFF);
  }
}

void encode_store_state(const store_state& s, std::vector<std::byte>& out) {
  using kind = store_update::kind;
  auto st = s.snapshot();
  for (const auto& m : st.messages) {
    encode_store_record({kind::message_accepted, m.mid, 0, m.msg.topic, m.msg.payload, m.msg.qos, m.msg.retain}, out);
    if (m.packet_id != 0) encode_store_record({kind::message_sent, m.mid, m.packet_id, {}, {}, m.msg.qos, false}, out);
    if (m.pubrec_received)
      encode_store_record({kind::pubrec_received, m.mid, m.packet_id, {}, {}, m.msg.qos, false}, out);
  }
  for (auto id : st.inbound_qos2) encode_store_record({kind::inbound_held, 0, id, {}, {}, qos::at_most_once, false}, out);
}

store_recovery recover_store(std::span<const std::byte> file) {
  store_recovery r;
  if (file.empty()) return r;
  if (file.size() < store_header_size || std::memcmp(file.data(), magic, sizeof magic) != 0) {
    // A file cut inside its header is ours if what is there matches.
    bool our_prefix = std::memcmp(file.data(), magic, std::min(file.size(), sizeof magic)) == 0;
    if (file.size() < store_header_size && our_prefix) {
      r.dropped_bytes = file.size();
      r.damage = "header cut short";
    } else {
      r.error = errc::store_not_a_store;
    }
    return r;
  }
  reader h(file.subspan(8, 8));
  auto version = h.get(4);
  auto crc = h.get(4);
  if (crc != crc32c(file.first(12))) {
    r.error = errc::store_not_a_store;
    return r;
  }
  if (version != store_format_version) {
    r.error = errc::store_unknown_version;
    return r;
  }
  std::size_t at = store_header_size;
  r.good_bytes = at;
  while (at < file.size()) {
    reader head(file.subspan(at));
    auto len = head.get(4);
    auto sum = head.get(4);
    if (!head.ok() || len == 0 || len > max_body || file.size() - at - 8 < len) {
      r.damage = head.ok() && (len == 0 || len > max_body) ? "impossible record length" : "last record cut short";
      break;
    }
    auto body = file.subspan(at + 8, len);
    if (crc32c(body) != sum) {
      r.damage = "checksum mismatch";
      break;
    }
    store_update u;
    if (!decode_body(body, u)) {
      r.damage = "record of an unknown shape";
      break;
    }
    if (!r.state.apply(u)) ++r.skipped;
    ++r.records;
    at += 8 + len;
    r.good_bytes = at;
  }
  r.dropped_bytes = file.size() - r.good_bytes;
  return r;
}

}  // namespace tern::detail
