// Randomised: a broker that acknowledges in random order, publishes to the
// client, drops the link and reconnects at random moments (fixed seeds). The
// invariants of the issue hold at every step.
#include <array>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "harness.hpp"

namespace tern::test::random_test {
namespace {

struct scenario {
  std::uint64_t seed;
  protocol_version version;
  bool clean_session;
};

void PrintTo(const scenario& s, std::ostream* os) {
  *os << "seed " << s.seed << (s.version == protocol_version::v3_1 ? ", MQTT 3.1" : ", MQTT 3.1.1")
      << (s.clean_session ? ", clean session" : ", persistent session");
}

class random_broker {
 public:
  explicit random_broker(const scenario& sc) : sc_(sc), rng_(sc.seed), h_(options()) {
    h_.version = sc.version;
    from_client_.set_version(sc.version);
  }

  void run(int steps) {
    reconnect();
    for (int i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
      step();
      check_invariants();
    }
    drain();
  }

 private:
  static session_options options() {
    session_options so;
    so.max_inflight = 5;
    so.max_queued = 50;
    return so;
  }
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < static_cast<std::size_t>(percent); }

  void step() {
    auto r = pick(100);
    if (!link_up_) {
      if (r < 30) reconnect();
      else if (r < 70) publish();
      else h_.advance(std::chrono::seconds(pick(5)));
      return;
    }
    if (r < 30) publish();
    else if (r < 62) ack_one();
    else if (r < 72) publish_to_client();
    else if (r < 76) subscribe();
    else if (r < 80) {
      h_.advance(std::chrono::seconds(pick(40)));
      h_.timer();
      absorb();
    } else if (r < 83) {
      h_.link_lost();
      absorb();
    } else if (r < 84) {
      h_.out.clear();
      ASSERT_FALSE(h_.s.disconnect(h_.now, h_.out));
      absorb();
    } else {
      ack_one();
    }
  }

  void reconnect() {
    auto o = harness::default_options(sc_.version);
    o.clean_session = sc_.clean_session;
    ASSERT_FALSE(h_.connect(o));
    ++reconnects_;
    absorb();
    if (chance(5)) {  // the link drops before CONNACK
      h_.link_lost();
      absorb();
      return;
    }
    bool present = !sc_.clean_session && sc_.version == protocol_version::v3_1_1 && has_session_ && chance(70);
    if (!present) forget_session();
    if (present) ++resumed_;
    has_session_ = !sc_.clean_session;
    h_.feed(wire(connack_view{present, 0}));
    absorb();
    if (present) resend_to_client();
  }

  void forget_session() {
    q1_.clear();
    q2_received_.clear();
    q2_rec_sent_.clear();
    q2_released_.clear();
    out_ids_.clear();
    in_flows_.clear();
  }

  void publish() {
    auto q = static_cast<qos>(pick(3));
    auto seq = next_seq_++;
    auto queued = h_.s.queued();
    auto r = h_.publish("t/" + std::to_string(static_cast<int>(q)), std::to_string(seq), q);
    if (!r) {
      ASSERT_EQ(r.error(), errc::queue_full);
      ASSERT_GE(queued, 50u);
      return;
    }
    if (q != qos::at_most_once) open_mids_[*r] = seq;
    absorb();
  }

  void subscribe() {
    h_.out.clear();
    std::vector<subscribe_entry> f{{"a", qos::at_least_once}, {"b/#", qos::exactly_once}};
    auto r = h_.s.subscribe(f, h_.now, h_.out);
    if (r) pending_subs_.insert(*r);
    absorb();
  }

  // The broker acknowledges one random outstanding packet.
  void ack_one() {
    std::vector<std::pair<int, std::uint16_t>> choices;
    for (auto id : q1_) choices.push_back({0, id});
    for (auto id : q2_received_) choices.push_back({1, id});
    for (auto id : q2_released_) choices.push_back({2, id});
    for (auto id : subacks_) choices.push_back({3, id});
    for (auto& [id, f] : in_flows_)
      if (f.stage == 1) choices.push_back({4, id});
    if (choices.empty()) return;
    auto [kind, id] = choices[pick(choices.size())];
    switch (kind) {
      case 0: q1_.erase(id); out_ids_.erase(id); h_.feed(wire(puback{id})); break;
      case 1: q2_received_.erase(id); q2_rec_sent_.insert(id); h_.feed(wire(pubrec{id})); break;
      case 2: q2_released_.erase(id); out_ids_.erase(id); h_.feed(wire(pubcomp{id})); break;
      case 3: {
        subacks_.erase(id);
        std::uint8_t codes[] = {1, 2};
        h_.feed(wire(suback_view{id, codes}));
        break;
      }
      case 4: in_flows_[id].stage = 2; h_.feed(wire(pubrel{id})); break;
    }
    absorb();
  }

  // The broker publishes (sometimes re-sends a QoS 2 it has not released yet).
  void publish_to_client() {
    if (!in_flows_.empty() && chance(30)) {
      auto it = std::next(in_flows_.begin(), static_cast<std::ptrdiff_t>(pick(in_flows_.size())));
      if (it->second.stage == 1) {
        h_.feed(wire(publish_view{"in", as_bytes(it->second.tag), qos::exactly_once, false, true, it->first}));
        absorb();
        return;
      }
    }
    auto q = static_cast<qos>(pick(3));
    std::uint16_t id = 0;
    if (q != qos::at_most_once) {
      do id = static_cast<std::uint16_t>(1 + pick(200)); while (in_flows_.count(id));
    }
    auto tag = "in" + std::to_string(next_in_++);
    if (q == qos::exactly_once) in_flows_[id] = {tag, 0};
    h_.feed(wire(publish_view{"in", as_bytes(tag), q, false, false, id}));
    absorb();
  }

  void resend_to_client() {
    for (auto& [id, f] : in_flows_) {
      if (f.stage == 1)
        h_.feed(wire(publish_view{"in", as_bytes(f.tag), qos::exactly_once, false, true, id}));
      else if (f.stage == 2)
        h_.feed(wire(pubrel{id}));
      absorb();
    }
  }

  // Everything the session emitted in its last call: client packets reach the broker.
  void absorb() {
    auto out = h_.out;  // copied: feeding the session below replaces h_.out
    for (const auto& a : out) {
      if (const auto* s = std::get_if<send_bytes>(&a)) {
        from_client_.feed(s->head);
        from_client_.feed(s->payload);
      } else if (const auto* c = std::get_if<publish_completed>(&a)) {
        if (open_mids_.count(c->mid)) {
          open_mids_.erase(c->mid);
          ASSERT_TRUE(done_mids_.insert(c->mid).second) << "completed twice: " << c->mid;
        } else {
          ASSERT_FALSE(done_mids_.count(c->mid)) << "completed twice: " << c->mid;
        }
      } else if (const auto* m = std::get_if<message_received>(&a)) {
        if (m->qos == qos::exactly_once) {
          ASSERT_TRUE(delivered_q2_.insert(std::string(as_chars(m->payload))).second)
              << "QoS 2 delivered twice: " << as_chars(m->payload);
        }
      } else if (const auto* sub = std::get_if<subscribed>(&a)) {
        ASSERT_EQ(pending_subs_.erase(sub->mid), 1u);
      } else if (std::holds_alternative<connection_closed>(a)) {
        link_up_ = false;
        subacks_.clear();
        pending_subs_.clear();
      }
    }
    std::vector<std::vector<std::byte>> replies;
    for (;;) {
      auto r = from_client_.next();
      if (std::holds_alternative<codec::need_more>(r)) break;
      ASSERT_TRUE(std::holds_alternative<packet_view>(r)) << std::get<std::error_code>(r).message();
      on_client_packet(std::get<packet_view>(r), replies);
    }
    for (auto& b : replies) {
      h_.feed(b);
      absorb();
    }
  }

  void on_client_packet(const packet_view& p, std::vector<std::vector<std::byte>>& replies) {
    switch (type_of(p)) {
      case packet_type::connect:
        link_up_ = true;
        last_seq_ = {-1, -1, -1};
        last_any_ = -1;
        break;
      case packet_type::publish: {
        const auto& v = std::get<publish_view>(p);
        auto seq = std::stoll(std::string(as_chars(v.payload)));
        auto q = static_cast<int>(v.qos);
        ASSERT_GT(seq, last_seq_[q]) << "order per QoS broken";  // [MQTT-4.6.0-1]
        ASSERT_GT(seq, last_any_) << "publish order broken";
        last_seq_[q] = seq;
        last_any_ = seq;
        if (v.qos == qos::at_most_once) break;
        if (v.dup) {
          ++dup_resends_;
          ASSERT_TRUE(out_ids_.count(v.packet_id)) << "DUP re-send of an id the broker never saw";
          break;
        }
        ASSERT_TRUE(out_ids_.insert(v.packet_id).second) << "packet id used twice at once: " << v.packet_id;
        (v.qos == qos::at_least_once ? q1_ : q2_received_).insert(v.packet_id);
        break;
      }
      case packet_type::pubrel: {
        auto id = std::get<pubrel>(p).packet_id;
        if (q2_rec_sent_.erase(id)) {
          q2_released_.insert(id);
        } else {
          ASSERT_TRUE(q2_released_.count(id)) << "PUBREL for an id not in PUBREC state";
        }
        break;
      }
      case packet_type::subscribe: {
        auto id = std::get<subscribe_view>(p).packet_id;
        ASSERT_TRUE(out_ids_.insert(id).second) << "packet id used twice at once: " << id;
        subacks_.insert(id);
        break;
      }
      case packet_type::puback: break;
      case packet_type::pubrec: {
        auto id = std::get<pubrec>(p).packet_id;
        if (auto it = in_flows_.find(id); it != in_flows_.end() && it->second.stage == 0) it->second.stage = 1;
        break;
      }
      case packet_type::pubcomp: in_flows_.erase(std::get<pubcomp>(p).packet_id); break;
      case packet_type::pingreq: replies.push_back(wire(pingresp{})); break;
      case packet_type::disconnect: break;
      default: FAIL() << "unexpected client packet " << to_string(type_of(p));
    }
  }

  void check_invariants() {
    ASSERT_LE(h_.s.inflight(), 5u);  // in-flight <= window
    ASSERT_LE(h_.s.queued(), 50u);
    // Subscribe ids leave the broker's table when their SUBACK is sent or the link drops.
    for (auto it = out_ids_.begin(); it != out_ids_.end();)
      it = (q1_.count(*it) || q2_received_.count(*it) || q2_rec_sent_.count(*it) || q2_released_.count(*it) ||
            subacks_.count(*it))
               ? std::next(it)
               : out_ids_.erase(it);
  }

  // No more drops: the broker acknowledges everything; every QoS 1/2 message completes.
  void drain() {
    for (int round = 0; round < 10'000 && (h_.s.inflight() || h_.s.queued() || !open_mids_.empty()); ++round) {
      if (!link_up_ || !h_.s.is_connected()) {
        reconnect();
        continue;
      }
      ack_one();
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(h_.s.inflight(), 0u);
    EXPECT_EQ(h_.s.queued(), 0u);
    EXPECT_TRUE(open_mids_.empty()) << open_mids_.size() << " QoS 1/2 messages never completed";
    EXPECT_GT(done_mids_.size(), 5000u);
    EXPECT_GT(reconnects_, 1000);
    EXPECT_GT(delivered_q2_.size(), 800u);
    if (!sc_.clean_session && sc_.version == protocol_version::v3_1_1) {
      EXPECT_GT(resumed_, 500);  // reconnects with session present 1 ...
      EXPECT_GT(dup_resends_, 500);  // ... that re-sent PUBLISHes with DUP
    }
    std::printf("seed %llu: %zu completed, %d reconnects (%d resumed), %d DUP re-sends, %zu QoS 2 received\n",
                static_cast<unsigned long long>(sc_.seed), done_mids_.size(), reconnects_, resumed_, dup_resends_,
                delivered_q2_.size());
  }

  struct in_flow {
    std::string tag;
    int stage = 0;  // 0 PUBLISH sent, 1 PUBREC received, 2 PUBREL sent
  };

  scenario sc_;
  std::mt19937_64 rng_;
  harness h_;
  codec::stream_decoder from_client_;
  bool link_up_ = false;
  bool has_session_ = false;
  std::set<std::uint16_t> q1_, q2_received_, q2_rec_sent_, q2_released_, out_ids_, subacks_;
  std::map<std::uint16_t, in_flow> in_flows_;
  std::map<message_id, long long> open_mids_;
  std::set<message_id> done_mids_, pending_subs_;
  std::set<std::string> delivered_q2_;
  std::array<long long, 3> last_seq_{-1, -1, -1};
  long long last_any_ = -1;
  long long next_seq_ = 0;
  int next_in_ = 0;
  int reconnects_ = 0, resumed_ = 0, dup_resends_ = 0;
};

class RandomTest : public ::testing::TestWithParam<scenario> {};

TEST_P(RandomTest, InvariantsHold) {
  random_broker b(GetParam());
  b.run(50'000);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomTest,
                         ::testing::Values(scenario{1, protocol_version::v3_1_1, false},
                                           scenario{2, protocol_version::v3_1_1, false},
                                           scenario{3, protocol_version::v3_1_1, true},
                                           scenario{4, protocol_version::v3_1, false},
                                           scenario{5, protocol_version::v3_1, true}),
                         [](const auto& i) { return "seed" + std::to_string(i.param.seed); });

}  // namespace
}  // namespace tern::test::random_test
