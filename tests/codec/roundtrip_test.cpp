// >= 100,000 random valid packets (fixed seed) survive encode -> decode unchanged.

#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "test_util.hpp"

namespace tern::test::roundtrip_test {
namespace {

// Makes random valid packets; owns the strings they view.
class packet_maker {
 public:
  explicit packet_maker(unsigned seed) : rng_(seed) {}

  packet_view make(protocol_version v) {
    switch (pick(14)) {
      case 0: return make_connect(v);
      case 1: {
        connack_view c{v == protocol_version::v3_1_1 && coin(), static_cast<std::uint8_t>(pick(6))};
        if (c.return_code) c.session_present = false;
        return c;
      }
      case 2: return make_publish();
      case 3: return puback{id()};
      case 4: return pubrec{id()};
      case 5: return pubrel{id()};
      case 6: return pubcomp{id()};
      case 7: {
        auto& e = sub_store_.emplace_back();
        for (std::size_t i = 0, n = 1 + pick(5); i < n; ++i) e.push_back({text(true), any_qos()});
        return subscribe_view{id(), e};
      }
      case 8: {
        auto& c = code_store_.emplace_back();
        for (std::size_t i = 0, n = 1 + pick(300); i < n; ++i) {
          auto k = pick(v == protocol_version::v3_1_1 ? 4 : 3);
          c.push_back(k == 3 ? suback_failure : static_cast<std::uint8_t>(k));
        }
        return suback_view{id(), c};
      }
      case 9: {
        auto& f = unsub_store_.emplace_back();
        for (std::size_t i = 0, n = 1 + pick(5); i < n; ++i) f.push_back(text(true));
        return unsubscribe_view{id(), f};
      }
      case 10: return unsuback{id()};
      case 11: return pingreq{};
      case 12: return pingresp{};
      default: return disconnect{};
    }
  }

  void clear() {
    strings_.clear();
    sub_store_.clear();
    unsub_store_.clear();
    code_store_.clear();
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool coin() { return pick(2) == 1; }
  std::uint16_t id() { return static_cast<std::uint16_t>(1 + pick(65535)); }
  qos any_qos() { return static_cast<qos>(pick(3)); }

  // Valid UTF-8 without U+0000, with 1- to 4-byte characters; for topic names
  // ('name' = true for filters too) no wildcards and never empty.
  std::string_view text(bool non_empty, bool wildcards = false) {
    static const char* pieces[] = {"a", "b", "/", " ", "Z", "$", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                   "\xEF\xBB\xBF", "+", "#"};
    std::string s;
    std::size_t n = (non_empty ? 1 : 0) + pick(non_empty ? 40 : 24);
    for (std::size_t i = 0; i < n; ++i) s += pieces[pick(wildcards ? 12 : 10)];
    return strings_.emplace_back(std::move(s));
  }
  bytes_view blob(std::size_t max) {
    std::string s(pick(max + 1), '\0');
    for (auto& c : s) c = static_cast<char>(pick(256));
    return as_bytes(strings_.emplace_back(std::move(s)));
  }

  connect_view make_connect(protocol_version v) {
    connect_view c;
    c.version = v;
    c.clean_session = coin();
    c.keep_alive = static_cast<std::uint16_t>(pick(65536));
    c.client_id = text(false);
    if (coin()) c.will = will_view{text(true), blob(64), any_qos(), coin()};
    if (coin()) {
      c.user_name = text(false);
      if (coin()) c.password = blob(32);
    }
    return c;
  }

  publish_view make_publish() {
    publish_view p;
    p.topic = text(true);
    p.qos = any_qos();
    p.retain = coin();
    if (p.qos != qos::at_most_once) {
      p.packet_id = id();
      p.dup = coin();
    }
    // Mostly small, sometimes past each varint boundary (128, 16 KiB, 2 MiB).
    std::size_t sizes[] = {0, 1, 100, 127, 128, 1000, 16'383, 16'384, 70'000};
    p.payload = blob(pick(50) == 0 ? sizes[pick(9)] : pick(64));
    return p;
  }

  std::mt19937 rng_;
  std::deque<std::string> strings_;
  std::deque<std::vector<subscribe_entry>> sub_store_;
  std::deque<std::vector<std::string_view>> unsub_store_;
  std::deque<std::vector<std::uint8_t>> code_store_;
};

TEST(RoundTrip, HundredThousandRandomPackets) {
  packet_maker maker(20261125);
  std::size_t per_type[14] = {};
  for (int i = 0; i < 100'000; ++i) {
    auto v = i % 4 == 0 ? protocol_version::v3_1 : protocol_version::v3_1_1;
    auto p = maker.make(v);
    auto wire = encode_all(p);
    auto back = decode_whole(wire, v);
    ASSERT_TRUE(back) << "i=" << i << " " << to_string(type_of(p)) << ": " << back.error().message();
    ASSERT_TRUE(*back == p) << "i=" << i << " " << to_string(type_of(p)) << " " << to_hex(wire);
    ++per_type[p.index()];
    if (i % 1000 == 999) maker.clear();
  }
  for (auto n : per_type) EXPECT_GT(n, 5000u);
}

TEST(RoundTrip, RandomStreamInRandomChunks) {
  // Many packets back to back, cut at random points: the same packets come out.
  packet_maker maker(7);
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    bytes stream;
    std::vector<bytes> each;
    for (int i = 0; i < 30; ++i) {
      each.push_back(encode_all(maker.make(protocol_version::v3_1_1)));
      stream.insert(stream.end(), each.back().begin(), each.back().end());
    }
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0;;) {
      at += 1 + std::uniform_int_distribution<std::size_t>(0, 200)(rng);
      if (at >= stream.size()) break;
      cuts.push_back(at);
    }
    auto got = decode_in_chunks(stream, cuts);
    ASSERT_EQ(got, each) << "round " << round;
    maker.clear();
  }
}

}  // namespace
}  // namespace tern::test::roundtrip_test
