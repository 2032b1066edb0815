// Messages survive the process: a publisher with a file store is killed
// (SIGKILL) at 50 random moments of a 10,000-message stream and restarted on
// the same store each time, against a private mosquitto with persistence and
// a persistent subscriber. Every message publish() accepted before a kill
// must reach the subscriber: at least once at QoS 1, exactly once at QoS 2.
// Then the same with the broker restarted every tenth kill. Slow (about ten
// seconds per run).

#include <gtest/gtest.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "harness.hpp"

namespace tern::test::store_kill_test {
namespace {

constexpr long count = 10'000;
constexpr int kills = 50;

struct kill_run {
  qos q = qos::at_least_once;
  const char* policy = "batch";
  bool restart_broker = false;
};

std::string name_of(const kill_run& r) {
  return std::string("q") + std::to_string(static_cast<int>(r.q)) + "-" + r.policy +
         (r.restart_broker ? "-broker-restarts" : "");
}

class StoreKill : public ::testing::TestWithParam<kill_run> {};

TEST_P(StoreKill, EveryAcceptedMessageArrives) {
  const auto run = GetParam();
  const char* exe = std::getenv("TERN_STORE_PUBLISHER");
  ASSERT_NE(exe, nullptr) << "TERN_STORE_PUBLISHER is not set";
  broker_config cfg;
  cfg.persistence = true;
  // The broker must not drop what it queues for the subscriber while the
  // restarted publisher catches up (mosquitto's default limit is 1,000).
  cfg.extra = {"max_queued_messages 0", "log_type debug"};
  broker b(cfg);
  ASSERT_TRUE(b.start());
  temp_dir store_dir("tern-store-kill");
  const std::string topic = "kill/" + name_of(run);

  std::mutex m;
  std::vector<int> hits(count + 1);
  int bad = 0;
  auto so = make_options(b.url(), "kill-sub-" + name_of(run));
  so.connect.clean_session = false;
  test_client sub(so);
  sub.message_filter = [&](const message_received& msg) {
    long n = -1;
    auto p = reinterpret_cast<const char*>(msg.payload.data());
    auto [end, ec] = std::from_chars(p, p + msg.payload.size(), n);
    std::lock_guard l(m);
    if (ec != std::errc{} || end != p + msg.payload.size() || n < 1 || n > count)
      ++bad;
    else
      ++hits[static_cast<std::size_t>(n)];
    return false;
  };
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe(topic, qos::exactly_once));

  std::vector<bool> accepted(count + 1);
  long next = 1;
  std::mt19937 rng(static_cast<unsigned>(std::random_device{}()));
  std::uniform_int_distribution<int> moment_ms(10, 120);
  int killed = 0, broker_restarts = 0;
  auto start_publisher = [&](process& p, int round) {
    auto dir = store_dir.path();
    return p.spawn({{exe, b.url(), "kill-pub-" + name_of(run), dir.string(), run.policy,
                     std::to_string(static_cast<int>(run.q)), topic, std::to_string(next), std::to_string(count),
                     "2500"},
                    dir / ("out-" + std::to_string(round)),
                    dir / ("err-" + std::to_string(round)),
                    {}});
  };
  // What a run of the publisher said: accepted numbers, and where to go on.
  auto read_record = [&](const process& p) {
    std::istringstream lines(p.out());
    std::string what;
    long n;
    bool done = false;
    while (lines >> what) {
      if (what == "done") {
        done = true;
        continue;
      }
      if (!(lines >> n) || n < 1 || n > count) break;  // a line cut by the kill
      if (what == "p") next = std::max(next, n + 1);
      if (what == "a") accepted[static_cast<std::size_t>(n)] = true;
    }
    return done;
  };

  bool finished = false;
  for (int round = 0; round < kills && !finished; ++round) {
    process p;
    ASSERT_TRUE(start_publisher(p, round)) << p.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(rng)));
    p.kill(SIGKILL);
    ++killed;
    finished = read_record(p);
    if (run.restart_broker && round % 10 == 5) {
      ASSERT_TRUE(b.restart());
      ++broker_restarts;
    }
  }
  process last;
  ASSERT_TRUE(start_publisher(last, kills)) << last.error();
  auto status = last.wait(std::chrono::seconds(120));
  ASSERT_TRUE(status.has_value()) << "the last publisher did not finish: " << last.err();
  EXPECT_EQ(*status, 0) << last.err();
  EXPECT_TRUE(read_record(last)) << last.err();

  // A number whose publish() a kill interrupted is not accepted, and not published again.
  long n_accepted = 0;
  for (long n = 1; n <= count; ++n) n_accepted += accepted[static_cast<std::size_t>(n)];
  EXPECT_GE(n_accepted, count - kills);
  auto arrived = [&] {
    std::lock_guard l(m);
    for (long n = 1; n <= count; ++n)
      if (accepted[static_cast<std::size_t>(n)] && hits[static_cast<std::size_t>(n)] == 0) return false;
    return true;
  };
  EXPECT_TRUE(poll_until(std::chrono::seconds(60), arrived));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // late duplicates, if any

  std::lock_guard l(m);
  long missing = 0, duplicates = 0, unaccepted_arrived = 0;
  std::string missing_ranges;  // "from-to" of the first few runs of missing numbers
  for (long n = 1; n <= count; ++n) {
    auto h = hits[static_cast<std::size_t>(n)];
    if (accepted[static_cast<std::size_t>(n)] && h == 0) {
      if (missing < 5000 && (n == 1 || !accepted[static_cast<std::size_t>(n - 1)] || hits[static_cast<std::size_t>(n - 1)] != 0)) {
        long to = n;
        while (to < count && accepted[static_cast<std::size_t>(to + 1)] && hits[static_cast<std::size_t>(to + 1)] == 0) ++to;
        if (missing_ranges.size() < 200) missing_ranges += " " + std::to_string(n) + "-" + std::to_string(to);
      }
      ++missing;
    }
    if (h > 1) duplicates += h - 1;
    if (!accepted[static_cast<std::size_t>(n)] && h > 0) ++unaccepted_arrived;
  }
  std::printf("[ info     ] %s: %d kills, %d broker restarts, %ld accepted, %ld missing, %ld duplicates, "
              "%ld interrupted publishes that arrived, %d bad payloads\n",
              name_of(run).c_str(), killed, broker_restarts, n_accepted, missing, duplicates, unaccepted_arrived, bad);
  if (missing != 0) {
    auto sl = sub.lock();
    std::string sublog;
    for (const auto& line : sub.log) sublog += "  " + line + "\n";
    ADD_FAILURE() << missing << " missing:" << missing_ranges << "\nthe last publisher said: " << last.err()
                  << "\nsubscriber: " << sub.connects.size() << " connects\n"
                  << sublog.substr(sublog.size() > 3000 ? sublog.size() - 3000 : 0);
    store_dir.keep();
    write_file(store_dir.path() / "mosquitto.log", b.log());
    std::printf("[ info     ] kept %s\n", store_dir.path().c_str());
  }
  EXPECT_EQ(bad, 0);
  // Exactly once at QoS 2 [MQTT-4.3.3-2]. Across broker restarts mosquitto
  // 2.0.11 may re-send a PUBLISH after its PUBREL to the subscriber (see
  // persistence_test.cpp): those duplicates are the broker's and are only reported.
  if (run.q == qos::exactly_once && !run.restart_broker) {
    EXPECT_EQ(duplicates, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Runs, StoreKill,
                         ::testing::Values(kill_run{qos::at_least_once, "batch", false},
                                           kill_run{qos::exactly_once, "batch", false},
                                           kill_run{qos::at_least_once, "none", true},
                                           kill_run{qos::exactly_once, "every", true}),
                         [](const auto& info) {
                           auto n = name_of(info.param);
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace tern::test::store_kill_test
