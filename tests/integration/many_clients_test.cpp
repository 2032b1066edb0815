// A thousand clients in one process, on one io_context run by two threads,
// against a private mosquitto: refusals that hit some clients only, a broker
// restart under all of them, running out of file descriptors, and stopping
// them all at once while messages flow.

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/eventually.hpp"
#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"
#include "tern/error.hpp"

namespace tern::test::many_clients_test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::size_t n_clients = 1000;

long status_field(const char* name) {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == name) {
      long v = 0;
      f >> v;
      return v;
    }
  }
  return -1;
}

std::size_t open_fds() {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                std::filesystem::directory_iterator{}));
}

/// Clients on one io_context with two threads; the events each saw.
class fleet {
 public:
  struct member {
    std::unique_ptr<client> c;
    std::atomic<int> connects{0};
    std::atomic<int> refusals{0};
    std::atomic<int> losses{0};
    std::atomic<std::int64_t> last_connect_ns{0};
    std::atomic<std::uint64_t> messages{0};
  };

  fleet() : work_(asio::make_work_guard(ctx_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ctx_.run(); });
  }
  ~fleet() { stop_all(); }

  member& add(client_options o) {
    auto& m = *members_.emplace_back(std::make_unique<member>());
    m.c = std::make_unique<client>(ctx_, std::move(o));
    m.c->on_connect([&m](bool, int rc) {
      if (rc != 0) return void(++m.refusals);
      m.last_connect_ns = steady::now().time_since_epoch().count();
      ++m.connects;
    });
    m.c->on_disconnect([&m](std::error_code) { ++m.losses; });
    m.c->on_message([&m](const message_received&) { ++m.messages; });
    return m;
  }
  std::vector<std::unique_ptr<member>>& members() { return members_; }
  template <class F>
  std::size_t count_if(F f) {
    return static_cast<std::size_t>(std::count_if(members_.begin(), members_.end(), [&](auto& m) { return f(*m); }));
  }
  /// Stops every client at once (each stop asynchronous on the shared
  /// executor), waits for the threads to run out of work, then destroys the
  /// clients: their callbacks, which use the members, may run until then.
  void stop_all() {
    if (threads_.empty()) return;
    for (auto& m : members_) m->c->stop(0ms, [] {});
    work_.reset();
    for (auto& t : threads_) t.join();
    threads_.clear();
    members_.clear();
  }

 private:
  asio::io_context ctx_{2};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<member>> members_;
  std::vector<std::thread> threads_;
};

class ManyClients : public broker_suite<ManyClients> {
 protected:
  static void SetUpTestSuite() {
    // A thousand connections need a thousand descriptors here and in the
    // broker, which inherits this limit.
    rlimit l{};
    getrlimit(RLIMIT_NOFILE, &l);
    if (l.rlim_max != RLIM_INFINITY && l.rlim_max < 3 * n_clients) {
      start_error_ = "the file-descriptor hard limit is " + std::to_string(l.rlim_max) + "; this suite needs " +
                     std::to_string(3 * n_clients);
      return;
    }
    l.rlim_cur = l.rlim_max == RLIM_INFINITY ? 4 * n_clients : std::min<rlim_t>(l.rlim_max, 4 * n_clients);
    setrlimit(RLIMIT_NOFILE, &l);
    pw_dir_ = std::make_unique<temp_dir>("tern-many");
    auto file = pw_dir_->path() / "passwd";
    if (auto err = write_password_file(file, {{"fleet", "right"}}); !err.empty()) {
      start_error_ = err;
      return;
    }
    broker_config cfg;
    cfg.allow_anonymous = false;
    cfg.password_file = file.string();
    cfg.extra = {"max_connections -1"};
    start_broker(std::move(cfg));
  }
  static void TearDownTestSuite() {
    broker_suite::TearDownTestSuite();
    pw_dir_.reset();
  }

  static client_options options(std::size_t i, bool right_password = true) {
    auto o = make_options(broker_->url(), "many-" + std::to_string(i));
    o.connect.user_name = "fleet";
    o.connect.password = owned_bytes(right_password ? "right" : "wrong");
    o.reconnect.min_delay = 1s;  // the default back-off: what a real deployment would use
    o.reconnect.max_delay = 8s;
    return o;
  }

  static inline std::unique_ptr<temp_dir> pw_dir_;
};

TEST_F(ManyClients, EveryTenthRefusedForItsCredentialsTheOthersConnect) {
  fleet f;
  for (std::size_t i = 0; i < n_clients; ++i) f.add(options(i, i % 10 != 0)).c->connect();
  ASSERT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects + m.refusals > 0; }) == n_clients; },
                         30s))
      << f.count_if([](auto& m) { return m.connects > 0; }) << " connected, "
      << f.count_if([](auto& m) { return m.refusals > 0; }) << " refused";
  EXPECT_EQ(f.count_if([](auto& m) { return m.connects == 1; }), n_clients * 9 / 10);
  for (std::size_t i = 0; i < n_clients; i += 10) {
    auto& m = *f.members()[i];
    ASSERT_EQ(m.connects, 0) << "client " << i;
    auto ec = m.c->last_error();
    EXPECT_TRUE(ec == connack_error::bad_user_name_or_password || ec == connack_error::not_authorized)
        << "client " << i << ": " << ec.message();
  }
  // A refusal is final (the same CONNECT would be refused again): none of
  // them tries again, and the others are left alone.
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(f.count_if([](auto& m) { return m.refusals > 1; }), 0u);
  EXPECT_EQ(f.count_if([](auto& m) { return m.connects == 1 && m.losses == 0; }), n_clients * 9 / 10);
}

TEST_F(ManyClients, ABrokerRestartIsFollowedByReconnectsSpreadOutNotAStorm) {
  fleet f;
  for (std::size_t i = 0; i < n_clients; ++i) f.add(options(i)).c->connect();
  ASSERT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects == 1; }) == n_clients; }, 30s));
  auto down = steady::now();
  ASSERT_TRUE(broker_->restart());
  ASSERT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects == 2; }) == n_clients; }, 60s))
      << f.count_if([](auto& m) { return m.connects == 2; }) << " of " << n_clients << " reconnected";
  std::vector<double> at;  // seconds after the restart began
  for (auto& m : f.members())
    at.push_back(std::chrono::duration<double>(steady::duration(m->last_connect_ns.load()) - down.time_since_epoch())
                     .count());
  std::sort(at.begin(), at.end());
  auto pct = [&](double p) { return at[static_cast<std::size_t>(p * static_cast<double>(at.size() - 1))]; };
  // The busiest 50 ms of the reconnections.
  std::size_t busiest = 0;
  for (std::size_t lo = 0, hi = 0; hi < at.size(); ++hi) {
    while (at[hi] - at[lo] > 0.05) ++lo;
    busiest = std::max(busiest, hi - lo + 1);
  }
  std::printf("reconnected after the restart: first %.2f s, p10 %.2f s, p50 %.2f s, p90 %.2f s, last %.2f s; "
              "busiest 50 ms: %zu of %zu\n",
              at.front(), pct(0.1), pct(0.5), pct(0.9), at.back(), busiest, at.size());
  // Each client waits a delay drawn from [d/2, d]: the reconnections spread
  // over a fraction of a second at least, instead of all landing at once.
  EXPECT_GE(pct(0.9) - pct(0.1), 0.2);
  EXPECT_LT(busiest, n_clients / 4);
}

TEST_F(ManyClients, RunningOutOfDescriptorsFailsTheClientsBeyondItClearlyAndNoOther) {
  fleet f;
  constexpr std::size_t first = 200, extra = 100;
  for (std::size_t i = 0; i < first; ++i) f.add(options(i)).c->connect();
  ASSERT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects == 1; }) == first; }, 30s));
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  rlimit tight = saved;
  tight.rlim_cur = open_fds() + extra / 2;  // room for half of the next clients
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  for (std::size_t i = first; i < first + extra; ++i) f.add(options(i)).c->connect();
  bool settled = eventually(
      [&] {
        return f.count_if([](auto& m) { return m.connects > 0 || m.losses > 0; }) == first + extra;
      },
      30s);
  setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(settled);
  std::size_t failed = 0;
  for (std::size_t i = first; i < first + extra; ++i) {
    auto& m = *f.members()[i];
    if (m.connects > 0) continue;
    ++failed;
    EXPECT_NE(std::string(m.c->last_error_detail()).find("Too many open files"), std::string::npos)
        << "client " << i << ": " << m.c->last_error_detail();
  }
  EXPECT_GT(failed, 0u) << "the limit left room for every client";
  EXPECT_LT(failed, extra);
  // The clients connected before are untouched.
  EXPECT_EQ(f.count_if([](auto& m) { return m.connects == 1 && m.losses == 0; }), first + (extra - failed));
  // With descriptors back, the failed ones get through on their next attempt.
  EXPECT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects > 0; }) == first + extra; }, 20s));
}

TEST_F(ManyClients, AThousandStoppedAtOnceWhileMessagesFlowLeaveNoThreadAndNoMemory) {
  auto baseline_threads = status_field("Threads:");
  malloc_trim(0);
  [[maybe_unused]] auto baseline_heap = mallinfo2().uordblks;
  std::uint64_t received = 0;
  {
    fleet f;
    for (std::size_t i = 0; i < n_clients; ++i) {
      auto& m = f.add(options(i));
      m.c->subscribe("many/" + std::to_string(i % 100), qos::at_least_once);
      m.c->connect();
    }
    ASSERT_TRUE(eventually([&] { return f.count_if([](auto& m) { return m.connects == 1; }) == n_clients; }, 30s));
    std::atomic<bool> publishing{true};
    std::thread publisher([&] {
      test_client p(options(n_clients));
      if (!p.connect()) return;
      for (int k = 0; publishing; ++k) {
        (void)p->publish("many/" + std::to_string(k % 100), "payload", qos::at_least_once);
        std::this_thread::sleep_for(1ms);
      }
    });
    bool flowing =
        eventually([&] { return f.count_if([](auto& m) { return m.messages > 0; }) > n_clients / 2; }, 20s);
    for (auto& m : f.members()) received += m->messages;
    f.stop_all();  // while the publisher goes on
    publishing = false;
    publisher.join();
    ASSERT_TRUE(flowing) << "messages did not reach half of the clients";
  }
  EXPECT_GT(received, 0u);
  EXPECT_EQ(status_field("Threads:"), baseline_threads);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the heap is the sanitizer's here: its figures say nothing of tern's";
#else
  malloc_trim(0);
  auto heap = mallinfo2().uordblks;
  // A thousand clients held about 7 MB; what is left is noise (gtest's and
  // the allocator's own bookkeeping), not a per-client leak.
  EXPECT_LT(heap, baseline_heap + 256 * 1024) << "heap in use went from " << baseline_heap << " to " << heap;
#endif
}

}  // namespace
}  // namespace tern::test::many_clients_test
