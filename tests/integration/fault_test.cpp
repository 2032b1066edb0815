// Network faults between a tern publisher and a private mosquitto, injected
// by fault_proxy: a half-open connection (blackhole), a reset in the middle
// of a packet, latency, one byte per write, a bandwidth cap, and a broker
// that stops reading. The subscriber is connected to the broker directly, so
// what it receives is what the broker accepted from the publisher.
//
// Ordering asserted for one publisher, one topic, one QoS, through a broker
// that keeps each topic ordered [MQTT-4.6.0-5], [MQTT-4.6.0-6]:
// - QoS 2: exactly 1, 2, ..., N, each once [MQTT-4.3.3-2].
// - QoS 1 with an in-flight window W (session_options::max_inflight): each
//   connection delivers a contiguous run of the stream, and after a
//   reconnect that resumes the session the client re-sends its
//   unacknowledged messages, oldest first, before anything new
//   [MQTT-4.4.0-1], [MQTT-4.6.0-1]. PUBACKs come in order [MQTT-4.6.0-2], so
//   the unacknowledged messages are the last (at most W) sent. Hence:
//   (1) the first copies arrive in publish order, with no gap;
//   (2) the final copies arrive in publish order (the spec's note in 4.6.0:
//       "1,2,3,2,3,4" is allowed, "1,3,2" is not);
//   (3) a repeated message is one of the W messages before the highest
//       delivered so far: a copy of n never comes once n + W was delivered.
//   Duplicates are allowed at QoS 1 and only reported.
//
// TERN_FAULT_SEED=<n> replays a run (each test prints its seed).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "fault_proxy.hpp"
#include "harness.hpp"

namespace tern::test::fault_test {
namespace {

std::uint32_t seed_of_run() {
  if (const char* s = std::getenv("TERN_FAULT_SEED")) return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

double seconds_since(clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); }

/// The number a payload starts with ("<n>" or "<n>|padding"); -1 if none.
long number_in(bytes_view payload) {
  auto p = reinterpret_cast<const char*>(payload.data());
  long n = -1;
  auto [end, ec] = std::from_chars(p, p + payload.size(), n);
  if (ec != std::errc{} || (end != p + payload.size() && *end != '|')) return -1;
  return n;
}

std::string log_tail(test_client& c, std::size_t lines) {
  auto l = c.lock();
  std::string s;
  for (auto i = c.log.size() > lines ? c.log.size() - lines : 0; i < c.log.size(); ++i) s += "  " + c.log[i] + "\n";
  return s;
}

/// Its arguments written one after the other (GCC 12 warns, wrongly, about
/// chains of std::string operator+).
template <class... T>
std::string cat(const T&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  return s.str();
}

/// Resident memory of this process, in bytes.
std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    std::getline(status, key);
  }
  return 0;
}

// ---- what the subscriber saw, per stream ----------------------------------

/// Every delivery of each stream, in arrival order: [0] QoS 1, [1] QoS 2.
struct arrivals {
  std::mutex m;
  std::array<std::vector<long>, 2> order;
  std::array<std::vector<int>, 2> hits;
  std::array<long, 2> distinct{0, 0};
  int bad = 0;

  explicit arrivals(long count) {
    for (auto& h : hits) h.assign(static_cast<std::size_t>(count) + 1, 0);
  }
  /// Records a message of `topic_prefix`/q1 or /q2; false for anything else.
  void add(const std::string& topic_prefix, const message_received& msg) {
    int k = msg.topic == topic_prefix + "/q1" ? 0 : msg.topic == topic_prefix + "/q2" ? 1 : -1;
    long n = number_in(msg.payload);
    std::lock_guard l(m);
    if (k < 0 || n < 1 || n >= static_cast<long>(hits[0].size())) {
      ++bad;
      return;
    }
    auto ki = static_cast<std::size_t>(k);
    order[ki].push_back(n);
    if (hits[ki][static_cast<std::size_t>(n)]++ == 0) ++distinct[ki];
  }
  bool complete(std::size_t k, long count) {
    std::lock_guard l(m);
    return distinct[k] >= count;
  }
};

/// The ordering rules of the header comment, checked over one stream.
struct order_check {
  long missing = 0;
  long duplicates = 0;
  std::string first_copies;  ///< empty when the first copies are 1, 2, ..., N in order
  std::string final_copies;  ///< empty when the final copies are in order
  std::string window;        ///< empty when every repeat is within the window
  std::string missing_list;
};

order_check check_order(const std::vector<long>& seq, long count, long window) {
  order_check r;
  std::vector<long> copies(static_cast<std::size_t>(count) + 1, 0);
  std::vector<std::size_t> last(static_cast<std::size_t>(count) + 1, 0);
  long next_new = 1, highest = 0;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    long n = seq[i];
    auto ni = static_cast<std::size_t>(n);
    if (copies[ni]++ == 0) {
      if (n != next_new && r.first_copies.empty())
        r.first_copies = cat("first copy of ", n, " at position ", i, " where ", next_new, " was due");
      next_new = std::max(next_new, n + 1);
    } else {
      ++r.duplicates;
    }
    if (n < highest && highest - n >= window && r.window.empty())
      r.window = cat("a copy of ", n, " at position ", i, " after ", highest, " (window ", window, ")");
    highest = std::max(highest, n);
    last[ni] = i;
  }
  for (long n = 1; n <= count; ++n) {
    auto ni = static_cast<std::size_t>(n);
    if (copies[ni] == 0) {
      if (++r.missing <= 10) r.missing_list += cat(" ", n);
    } else if (n > 1 && copies[ni - 1] != 0 && last[ni] < last[ni - 1] && r.final_copies.empty()) {
      r.final_copies =
          cat("final copy of ", n, " at position ", last[ni], " before the final copy of ", n - 1, " at ", last[ni - 1]);
    }
  }
  return r;
}

/// The delivery and ordering rules of the header comment over both streams
/// of `seen` (its lock held); returns the QoS 1 duplicates, which are allowed.
long expect_delivered_in_order(const arrivals& seen, long count, std::size_t window) {
  auto q1 = check_order(seen.order[0], count, static_cast<long>(window));
  auto q2 = check_order(seen.order[1], count, 1);
  EXPECT_EQ(seen.bad, 0);
  // At least once (4.3.2), in order.
  EXPECT_EQ(q1.missing, 0) << "QoS 1 lost:" << q1.missing_list;
  EXPECT_EQ(q1.first_copies, "");
  EXPECT_EQ(q1.final_copies, "");
  EXPECT_EQ(q1.window, "");
  // Exactly once [MQTT-4.3.3-2], in order: 1..N.
  EXPECT_EQ(q2.missing, 0) << "QoS 2 lost:" << q2.missing_list;
  EXPECT_EQ(q2.duplicates, 0);
  EXPECT_EQ(q2.first_copies, "");
  return q1.duplicates;
}

// ---- the publisher's side ---------------------------------------------------

/// Publishes 1..count on <prefix>/q1 (QoS 1) and <prefix>/q2 (QoS 2),
/// alternately, with at most `outstanding` unfinished per stream (so the
/// client's queue never refuses one), on a thread of its own.
class stream_publisher {
 public:
  stream_publisher(tern::client& c, std::string prefix, long count, long outstanding)
      : c_(c), prefix_(std::move(prefix)), count_(count), outstanding_(outstanding) {
    thread_ = std::thread([this] { run(); });
  }
  ~stream_publisher() {
    {
      std::lock_guard l(s_->m);
      s_->quit = true;
    }
    s_->cv.notify_all();
    thread_.join();
  }
  /// Messages handed to publish() so far, both streams.
  long issued() {
    std::lock_guard l(s_->m);
    return s_->issued[0] + s_->issued[1];
  }
  bool all_done() {
    std::lock_guard l(s_->m);
    return s_->done[0] == count_ && s_->done[1] == count_;
  }
  bool wait_all_done(std::chrono::milliseconds timeout) {
    std::unique_lock l(s_->m);
    return s_->cv.wait_for(l, timeout, [&] {
      return (s_->done[0] == count_ && s_->done[1] == count_) || !s_->errors.empty();
    }) && s_->errors.empty();
  }
  std::string errors() {
    std::lock_guard l(s_->m);
    std::string s;
    for (const auto& e : s_->errors) s += e + "; ";
    return s;
  }

 private:
  // Shared with the completions, which the client may still run after this
  // object is gone (a test that gave up waiting).
  struct state {
    std::mutex m;
    std::condition_variable cv;
    std::array<long, 2> issued{0, 0}, done{0, 0};
    std::vector<std::string> errors;
    bool quit = false;

    void completed(std::size_t k, std::error_code ec) {
      {
        std::lock_guard l(m);
        if (ec) errors.push_back(cat("QoS ", k + 1, " publish failed: ", ec.message()));
        else ++done[k];
      }
      cv.notify_all();
    }
  };

  void run() {
    for (long n = 1; n <= count_; ++n)
      for (std::size_t k = 0; k < 2; ++k)
        if (!publish_one(k, n)) return;
  }
  bool publish_one(std::size_t k, long n) {
    {
      std::unique_lock l(s_->m);
      bool room = s_->cv.wait_for(l, std::chrono::seconds(60), [&] {
        return s_->quit || !s_->errors.empty() || s_->issued[k] - s_->done[k] < outstanding_;
      });
      if (s_->quit || !s_->errors.empty()) return false;
      if (!room) {
        s_->errors.push_back(cat("no completion for 60 s at message ", n));
        return false;
      }
      ++s_->issued[k];
    }
    auto q = k == 0 ? qos::at_least_once : qos::exactly_once;
    auto r = c_.publish(prefix_ + (k == 0 ? "/q1" : "/q2"), std::to_string(n), q, false,
                        [s = s_, k](std::error_code ec, message_id) { s->completed(k, ec); });
    if (!r) s_->completed(k, r.error());
    return true;
  }

  tern::client& c_;
  std::string prefix_;
  long count_, outstanding_;
  std::shared_ptr<state> s_ = std::make_shared<state>();
  std::thread thread_;
};

// mosquitto 2.0.11 breaks [MQTT-4.6.0-6] once a subscriber's in-flight
// window (max_inflight_messages, 20) is full: messages it queued meanwhile
// are sent after later ones (its log, with no fault at all: "Sending PUBLISH
// to <sub> (d0, q1, r0, m1914 ..." then "... m1892 ..."; the packet ids it
// gave them follow the publish order). With no limit on that window it
// queues nothing, and what the subscriber sees is what the publisher did.
broker_config ordered_broker() {
  broker_config c;
  c.extra = {"max_inflight_messages 0"};
  return c;
}

client_options publisher_options(const std::string& url, const std::string& id, std::uint16_t keep_alive) {
  auto o = make_options(url, id);
  o.connect.clean_session = false;  // a persistent session: the broker keeps what is half-way
  o.connect.keep_alive = keep_alive;
  o.reconnect.min_delay = std::chrono::milliseconds(20);
  o.reconnect.max_delay = std::chrono::milliseconds(500);
  return o;
}

/// A persistent subscriber on the broker itself, QoS 2 on <prefix>/#, that
/// records into `into` rather than keeping the messages.
testing::AssertionResult connect_subscriber(test_client& sub, const std::string& prefix, arrivals& into) {
  sub.message_filter = [&into, prefix](const message_received& m) {
    into.add(prefix, m);
    return false;
  };
  if (auto r = sub.connect(); !r) return r;
  return sub.subscribe(prefix + "/#", qos::exactly_once);
}

// ---- blackhole: keep-alive, reconnect, delivery -----------------------------

// [MQTT-3.1.2-24] gives the server 1.5 keep-alive periods to notice a silent
// client; the client is held to the same, plus a second for its timers.
TEST(Faults, BlackholeIsNoticedWithinKeepAliveAndMessagesArriveAfterResume) {
  constexpr std::uint16_t keep_alive = 2;
  broker b{ordered_broker()};
  ASSERT_TRUE(b.start());
  fault_proxy proxy(b.port());
  const std::string prefix = "faults/blackhole";
  arrivals seen(100);
  test_client sub(make_options(b.url(), "faults-blackhole-sub"));
  ASSERT_TRUE(connect_subscriber(sub, prefix, seen));

  auto o = publisher_options(proxy.url(), "faults-blackhole-pub", keep_alive);
  o.reconnect.min_delay = std::chrono::milliseconds(100);
  o.reconnect.max_delay = std::chrono::seconds(1);
  o.session.log_mask = 0x1F;  // every packet, for the failure message
  test_client pub(o);
  ASSERT_TRUE(pub.connect());
  long n = 0;
  auto publish_pair = [&] {
    ++n;
    for (auto [suffix, q] : {std::pair{"/q1", qos::at_least_once}, std::pair{"/q2", qos::exactly_once}})
      EXPECT_TRUE(pub->publish(prefix + suffix, std::to_string(n), q).has_value());
  };
  for (int i = 0; i < 5; ++i) publish_pair();
  ASSERT_TRUE(pub.wait_for(std::chrono::seconds(10), [&] { return pub.published.size() == 10; }));

  proxy.set_blackhole(true);
  auto t0 = clock::now();
  // A publisher that goes on publishing: a message every 300 ms for a second.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    publish_pair();
  }
  double last_publish = seconds_since(t0);
  ASSERT_TRUE(pub.wait_disconnects(1, std::chrono::seconds(20))) << log_tail(pub, 40);
  double noticed = seconds_since(t0);
  std::printf("[ info     ] blackhole noticed after %.2f s (keep-alive %d s)\n", noticed, keep_alive);
  {
    auto l = pub.lock();
    EXPECT_EQ(pub.disconnects.front(), make_error_code(errc::keep_alive_timeout)) << pub.disconnects.front().message();
  }
  EXPECT_LE(noticed, 1.5 * keep_alive + 1.0)
      << "the half-open connection went unnoticed for " << noticed << " s; the last publish into it was at "
      << last_publish << " s; the client's log:\n" << log_tail(pub, 12);

  // Reconnect attempts meet the blackhole too: accepted, CONNECT never answered.
  constexpr auto after_notice = std::chrono::milliseconds(1500);
  std::this_thread::sleep_for(after_notice);
  for (int i = 0; i < 2; ++i) publish_pair();  // offline: queued
  auto attempts_in_blackhole = proxy.connections() - 1;
  proxy.set_blackhole(false);
  auto resumed = clock::now();
  // The attempt under way may have to time out (1.5 x keep-alive), then one back-off (at most 1 s).
  ASSERT_TRUE(pub.wait_for(std::chrono::seconds(8), [&] { return pub.connects.size() >= 2; })) << log_tail(pub, 40);
  std::printf("[ info     ] reconnected %.2f s after the blackhole ended; %llu attempts during it\n",
              seconds_since(resumed), static_cast<unsigned long long>(attempts_in_blackhole));
  {
    auto l = pub.lock();
    EXPECT_TRUE(pub.connects[1]) << "the broker did not resume the session";
    // No reconnect storm: each attempt waits 1.5 x keep-alive for its CONNACK
    // before the next one is scheduled, so after the first connection at most
    // one attempt per such wait (and the one under way) started.
    auto connack_wait = std::chrono::milliseconds(1500 * keep_alive);
    EXPECT_LE(attempts_in_blackhole, 2 + static_cast<std::uint64_t>(after_notice / connack_wait));
  }
  for (int i = 0; i < 3; ++i) publish_pair();

  ASSERT_TRUE(poll_until(std::chrono::seconds(20), [&] { return seen.complete(0, n) && seen.complete(1, n); }))
      << log_tail(pub, 60);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // late duplicates, if any
  std::lock_guard l(seen.m);
  auto duplicates = expect_delivered_in_order(seen, n, o.session.max_inflight);
  std::printf("[ info     ] %ld messages per QoS; %ld QoS 1 duplicates\n", n, duplicates);
}

// ---- a broker that stops reading ----------------------------------------------

// ASan and TSan keep freed memory aside and shadow what is used: VmRSS
// says nothing about the client's own memory under them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool under_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool under_sanitizer = true;
#else
constexpr bool under_sanitizer = false;
#endif
#else
constexpr bool under_sanitizer = false;
#endif

/// What became of each publish of a run, by the number in its payload.
struct publish_outcomes {
  explicit publish_outcomes(std::size_t n) : state(n + 1, pending) {}
  enum : char { pending, delivered, refused, failed };
  std::mutex m;
  std::vector<char> state;
  std::size_t refused_count = 0, delivered_count = 0;
  std::string other_error;

  void record(std::size_t i, std::error_code ec) {
    std::lock_guard l(m);
    if (!ec) {
      state[i] = delivered;
      ++delivered_count;
    } else if (ec == make_error_code(errc::queue_full)) {
      state[i] = refused;
      ++refused_count;
    } else {
      state[i] = failed;
      other_error = ec.message();
    }
  }
  std::size_t refused_so_far() {
    std::lock_guard l(m);
    return refused_count;
  }
};

// The proxy stops reading from the publisher, so nothing is acknowledged and
// the client's socket fills (the window's bytes are far more than the
// client's send buffer and the proxy's receive buffer take). publish() goes
// on accepting until max_inflight + max_queued messages are taken, then
// refuses with errc::queue_full instead of growing; once the proxy reads
// again, everything accepted arrives.
TEST(Faults, BrokerThatStopsReadingFillsTheQueueNotTheMemory) {
  constexpr std::size_t window = 500, queue = 1000, payload_size = 16 * 1024;
  constexpr std::size_t capacity = window + queue;
  constexpr std::size_t attempts = 10 * capacity;
  constexpr std::size_t batch = 250;
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  fault_proxy proxy(b.port(), 64 * 1024);
  const std::string topic = "faults/stopped";

  std::mutex hits_m;
  std::vector<int> hits(attempts + 1);
  test_client sub(make_options(b.url(), "faults-stopped-sub"));
  sub.message_filter = [&](const message_received& m) {
    long n = number_in(m.payload);
    std::lock_guard l(hits_m);
    if (n >= 1 && n <= static_cast<long>(attempts)) ++hits[static_cast<std::size_t>(n)];
    return false;
  };
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe(topic, qos::at_least_once));

  publish_outcomes outcomes(attempts);
  std::atomic<long> log_lines{0};
  // Keep-alive 60 s: a PINGREQ stuck behind the stall would end the connection.
  auto o = publisher_options(proxy.url(), "faults-stopped-pub", 60);
  o.session.max_inflight = window;
  o.session.max_queued = queue;
  test_client pub(o);
  // The harness keeps every log line: thousands of refusals would grow its
  // memory, not the client's. Count them instead.
  pub->on_log([&log_lines](log_level, std::string_view) { ++log_lines; });
  ASSERT_TRUE(pub.connect());

  auto taken = [&] {
    auto s = pub->stats();
    return s.inflight + s.queued;
  };
  auto baseline = resident_bytes();
  auto peak = baseline;
  proxy.set_stop_reading(true);
  auto t0 = clock::now();
  for (std::size_t i = 1; i <= attempts; ++i) {
    std::string payload = std::to_string(i) + "|";
    payload.resize(payload_size, 'x');
    auto r = pub->publish(topic, payload, qos::at_least_once, false,
                          [&outcomes, i](std::error_code ec, message_id) { outcomes.record(i, ec); });
    ASSERT_TRUE(r.has_value()) << r.error().message();
    if (i % batch != 0) continue;
    // As fast as the client takes them: each batch is accepted or refused before the next.
    ASSERT_TRUE(poll_until(std::chrono::seconds(10), [&] { return outcomes.refused_so_far() + taken() == i; }))
        << "after " << i << " publishes: " << outcomes.refused_so_far() << " refused, " << taken() << " taken";
    peak = std::max(peak, resident_bytes());
  }
  double publishing = seconds_since(t0);

  auto s = pub->stats();
  EXPECT_EQ(s.inflight, window);
  EXPECT_EQ(s.queued, queue);
  {
    std::lock_guard l(outcomes.m);
    EXPECT_EQ(outcomes.refused_count, attempts - capacity);
    EXPECT_EQ(outcomes.delivered_count, 0u) << "acknowledged while the broker read nothing";
    EXPECT_EQ(outcomes.other_error, "");
    // The first `capacity` are taken, every later one refused: none is dropped to make room.
    std::size_t wrong = 0;
    for (std::size_t i = 1; i <= attempts; ++i)
      wrong += outcomes.state[i] != (i <= capacity ? publish_outcomes::pending : publish_outcomes::refused);
    EXPECT_EQ(wrong, 0u);
  }
  // The client holds one copy of each accepted payload (a QoS 1 payload of
  // 1 KiB or more is written from it, not copied again): capacity x 16 KiB,
  // 23.4 MiB. Twice that plus 32 MiB (allocator slack, thread arenas, one
  // batch of refused copies) is far below the 234 MiB of all the attempts.
  auto growth = peak > baseline ? peak - baseline : 0;
  auto bound = 2 * capacity * payload_size + 32 * 1024 * 1024;
  std::printf("[ info     ] %zu publishes in %.2f s: %zu refused; VmRSS grew %.1f MiB (bound %.1f MiB%s); "
              "%ld log lines\n",
              attempts, publishing, outcomes.refused_so_far(), double(growth) / (1 << 20), double(bound) / (1 << 20),
              under_sanitizer ? ", not checked under a sanitizer" : "", log_lines.load());
  if (!under_sanitizer) {
    EXPECT_LT(growth, bound);
  }

  proxy.set_stop_reading(false);
  EXPECT_TRUE(poll_until(std::chrono::seconds(30), [&] {
    std::lock_guard l(outcomes.m);
    return outcomes.delivered_count == capacity;
  })) << "acknowledged " << outcomes.delivered_count << " of " << capacity;
  auto all_arrived = [&] {
    std::lock_guard l(hits_m);
    return std::all_of(hits.begin() + 1, hits.begin() + capacity + 1, [](int h) { return h > 0; });
  };
  EXPECT_TRUE(poll_until(std::chrono::seconds(30), all_arrived));
  std::lock_guard l(hits_m);
  EXPECT_TRUE(std::all_of(hits.begin() + capacity + 1, hits.end(), [](int h) { return h == 0; }))
      << "a refused message reached the broker";
}

// ---- 200 ms of latency each way -------------------------------------------------

TEST(Faults, Latency200msEachWay) {
  constexpr auto one_way = std::chrono::milliseconds(200);
  constexpr auto round_trip = 2 * one_way;
  broker b{broker_config{}};
  ASSERT_TRUE(b.start());
  fault_proxy proxy(b.port());
  proxy.set_latency(direction::both, one_way);

  {
    auto o = make_options(proxy.url(), "faults-latency-impatient");
    o.connect.connect_timeout = round_trip * 5 / 8;
    o.reconnect.enabled = false;
    test_client c(o);
    EXPECT_FALSE(c.connect(std::chrono::seconds(5)));
    auto l = c.lock();
    ASSERT_EQ(c.disconnects.size(), 1u);
    EXPECT_EQ(c.disconnects[0], make_error_code(errc::connect_timeout));
    EXPECT_NE(c.disconnects[0].message().find("connack timeout"), std::string::npos) << c.disconnects[0].message();
    EXPECT_TRUE(c.connects.empty());
  }

  constexpr std::size_t window = 5;
  constexpr int count = 20;
  auto o = make_options(proxy.url(), "faults-latency");
  o.connect.keep_alive = 1;
  o.session.max_inflight = window;
  o.session.log_mask = 0x1F;  // the PINGREQ / PINGRESP lines
  test_client c(o);
  auto t0 = clock::now();
  ASSERT_TRUE(c.connect());
  EXPECT_GE(clock::now() - t0, round_trip) << "CONNECT and CONNACK each wait one way";

  // Idle for 3.5 keep-alive periods: PINGREQ / PINGRESP keep it [MQTT-3.1.2-23], [MQTT-3.1.2-24].
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  {
    auto l = c.lock();
    EXPECT_TRUE(c.disconnects.empty()) << to_string(c.disconnects);
    auto lines = [&](const std::string& text) { return std::count(c.log.begin(), c.log.end(), text); };
    EXPECT_GE(lines("Sending PINGREQ"), 2);
    EXPECT_GE(lines("Received PINGRESP"), 2);
  }
  EXPECT_EQ(b.log().find("exceeded timeout"), std::string::npos);

  // Message k can leave only once message k - window is acknowledged, a
  // round trip after it left: `count` messages take ceil(count / window)
  // round trips at least. A window of one would take `count` of them.
  t0 = clock::now();
  for (int i = 1; i <= count; ++i) ASSERT_TRUE(c->publish("faults/latency", std::to_string(i), qos::at_least_once));
  ASSERT_TRUE(c.wait_for(std::chrono::seconds(30), [&] { return c.published.size() == static_cast<std::size_t>(count); }));
  auto took = clock::now() - t0;
  auto rounds = (count + static_cast<int>(window) - 1) / static_cast<int>(window);
  std::printf("[ info     ] %d QoS 1 messages, window %zu, round trip %lld ms: %lld ms\n", count, window,
              static_cast<long long>(round_trip.count()),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_GE(took, rounds * round_trip);
  EXPECT_LT(took, count / 2 * round_trip) << "the window is not used";
}

// ---- 20 faults of one kind into two 10,000-message streams ---------------------

constexpr long stream_count = 10'000;
constexpr int faults_per_run = 20;
constexpr std::size_t stream_window = 20;

/// Injects one fault into `proxy`; returns how long to keep it (zero: wait
/// until the proxy has done it).
using inject_fn = std::function<std::chrono::milliseconds(fault_proxy&, std::mt19937&)>;

std::chrono::milliseconds pick_ms(std::mt19937& rng, int lo, int hi) {
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
}

struct stream_result {
  int injected = 0;
  int during_stream = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t resets = 0;
  double seconds = 0;
};

/// Waits for the fault to end: its duration, or the reset it armed.
void hold_fault(fault_proxy& proxy, std::chrono::milliseconds how_long, std::uint64_t resets_before) {
  if (how_long.count() > 0) {
    std::this_thread::sleep_for(how_long);
  } else {
    poll_until(std::chrono::seconds(10), [&] { return proxy.resets() > resets_before; });
  }
  proxy.clear();
}

/// The streams of the header comment with `faults_per_run` faults made by
/// `inject`, each at a random point of the stream (a random number of
/// messages published), then the ordering and delivery checks.
void run_fault_stream(const std::string& kind, const inject_fn& inject, stream_result& r) {
  auto seed = seed_of_run();
  std::printf("[ info     ] %s: seed %u (TERN_FAULT_SEED=%u replays it)\n", kind.c_str(), seed, seed);
  std::mt19937 rng(seed);
  broker b{ordered_broker()};
  ASSERT_TRUE(b.start());
  fault_proxy proxy(b.port());
  const std::string prefix = "faults/" + kind;
  arrivals seen(stream_count);
  auto so = make_options(b.url(), "faults-sub-" + kind);
  so.connect.clean_session = false;
  test_client sub(so);
  ASSERT_TRUE(connect_subscriber(sub, prefix, seen));

  auto o = publisher_options(proxy.url(), "faults-pub-" + kind, 2);
  o.session.max_inflight = stream_window;
  o.session.max_queued = 1000;
  test_client pub(o);
  ASSERT_TRUE(pub.connect());

  std::uniform_int_distribution<long> moment(2 * stream_count / 50, 2 * stream_count * 9 / 10);
  std::vector<long> moments(faults_per_run);
  for (auto& m : moments) m = moment(rng);
  std::sort(moments.begin(), moments.end());

  auto t0 = clock::now();
  {
    stream_publisher streams(*pub, prefix, stream_count, 200);
    for (auto m : moments) {
      if (!poll_until(std::chrono::seconds(60), [&] { return streams.issued() >= m || !streams.errors().empty(); }))
        break;
      if (!streams.errors().empty()) break;
      auto resets_before = proxy.resets();
      auto how_long = inject(proxy, rng);
      ++r.injected;
      if (!streams.all_done()) ++r.during_stream;
      hold_fault(proxy, how_long, resets_before);
    }
    EXPECT_TRUE(streams.wait_all_done(std::chrono::seconds(60))) << streams.errors() << "\n" << log_tail(pub, 30);
  }
  bool arrived = poll_until(std::chrono::seconds(30), [&] {
    return seen.complete(0, stream_count) && seen.complete(1, stream_count);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // late duplicates, if any
  r.seconds = seconds_since(t0);
  r.reconnects = pub->stats().reconnects;
  r.resets = proxy.resets();
  EXPECT_TRUE(arrived) << "not every message arrived within 30 s";
  EXPECT_EQ(r.injected, faults_per_run);

  std::lock_guard l(seen.m);
  auto duplicates = expect_delivered_in_order(seen, stream_count, stream_window);
  std::printf("[ info     ] %s: %d faults (%d before the streams completed), %llu reconnects, %llu connections, "
              "%.1f s; %ld QoS 1 duplicates\n",
              kind.c_str(), r.injected, r.during_stream, static_cast<unsigned long long>(r.reconnects),
              static_cast<unsigned long long>(proxy.connections()), r.seconds, duplicates);
}

TEST(Faults, ResetMidPacketLosesNothing) {
  stream_result r;
  run_fault_stream(
      "reset",
      [](fault_proxy& p, std::mt19937& rng) {
        // Up to about a hundred packets on: any byte of any packet, either way.
        p.reset_after(static_cast<std::size_t>(std::uniform_int_distribution<int>(1, 3000)(rng)));
        return std::chrono::milliseconds(0);
      },
      r);
  EXPECT_EQ(r.resets, static_cast<std::uint64_t>(faults_per_run));
  EXPECT_GE(r.reconnects, 1u);
}

TEST(Faults, BlackholeThenResumeLosesNothing) {
  stream_result r;
  run_fault_stream("blackhole", [](fault_proxy& p, std::mt19937& rng) {
    p.set_blackhole(true);
    return pick_ms(rng, 50, 600);
  }, r);
}

TEST(Faults, LatencyBurstLosesNothing) {
  stream_result r;
  run_fault_stream("latency", [](fault_proxy& p, std::mt19937& rng) {
    p.set_latency(direction::both, pick_ms(rng, 20, 200));
    return pick_ms(rng, 100, 500);
  }, r);
}

TEST(Faults, OneByteWritesLoseNothing) {
  stream_result r;
  run_fault_stream("bytewise", [](fault_proxy& p, std::mt19937& rng) {
    p.set_byte_by_byte(direction::both, true);
    return pick_ms(rng, 50, 300);
  }, r);
}

TEST(Faults, BandwidthCapLosesNothing) {
  stream_result r;
  run_fault_stream("bandwidth", [](fault_proxy& p, std::mt19937& rng) {
    p.set_bandwidth(direction::both, static_cast<std::size_t>(std::uniform_int_distribution<int>(2'000, 50'000)(rng)));
    return pick_ms(rng, 100, 500);
  }, r);
}

TEST(Faults, StopReadingThenResumeLosesNothing) {
  stream_result r;
  run_fault_stream("stopread", [](fault_proxy& p, std::mt19937& rng) {
    p.set_stop_reading(true);
    return pick_ms(rng, 50, 600);
  }, r);
}

}  // namespace
}  // namespace tern::test::fault_test
