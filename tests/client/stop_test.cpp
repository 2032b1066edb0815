// Stopping and starting tern::client: what was published is delivered or
// reported at stop(), a caller's io_context is left without work, a stop
// from a callback works, and start()/connect() do what they say.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "fake_broker.hpp"
#include "options_for.hpp"
#include "tern/client_options.hpp"

namespace tern::test::stop_test {
namespace {

using namespace std::chrono_literals;
using bytes = fake_broker::bytes;

// A broker that acknowledges everything (unless `ack` is off) and records
// the topics of the PUBLISHes it got and whether DISCONNECT came.
struct recording_broker {
  std::mutex m;
  std::vector<std::string> topics;
  std::atomic<int> disconnects{0};
  std::atomic<bool> ack{true};
  std::atomic<bool> answer_connect{true};

  fake_broker::reply_fn fn() {
    return [this](const packet_view& p) -> bytes {
      if (std::holds_alternative<connect_view>(p))
        return answer_connect ? fake_broker::wire(connack_view{false, 0}) : bytes{};
      if (std::holds_alternative<tern::disconnect>(p)) ++disconnects;
      if (auto* pub = std::get_if<publish_view>(&p)) {
        {
          std::lock_guard lock(m);
          topics.emplace_back(pub->topic);
        }
        if (!ack) return {};
        if (pub->qos == qos::at_least_once) return fake_broker::wire(puback{pub->packet_id});
        if (pub->qos == qos::exactly_once) return fake_broker::wire(pubrec{pub->packet_id});
      }
      if (auto* rel = std::get_if<pubrel>(&p)) return fake_broker::wire(pubcomp{rel->packet_id});
      if (auto* sub = std::get_if<subscribe_view>(&p)) {
        static const std::uint8_t granted[] = {0, 0, 0, 0};
        return fake_broker::wire(suback_view{sub->packet_id, std::span(granted, sub->entries.size())});
      }
      return {};
    };
  }
  std::vector<std::string> got() {
    std::lock_guard lock(m);
    return topics;
  }
};

// Every completion a test asked for, by message id.
struct completions {
  std::mutex m;
  std::map<message_id, std::error_code> done;
  std::function<void(std::error_code, message_id)> fn() {
    return [this](std::error_code ec, message_id mid) {
      std::lock_guard lock(m);
      done[mid] = ec;
    };
  }
  std::map<message_id, std::error_code> get() {
    std::lock_guard lock(m);
    return done;
  }
};

bool wait_connected(client& c, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!c.is_connected() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  return c.is_connected();
}

constexpr qos all_qos[] = {qos::at_most_once, qos::at_least_once, qos::exactly_once};

TEST(ClientStop, DeliversWhatWasPublishedRightAfterConnect) {
  // start(); connect(); publish(); stop(): the message reached the broker,
  // and its completion ran, at every QoS (before: neither, and stats()
  // after stop() said queued=1).
  for (auto q : all_qos) {
    recording_broker r;
    fake_broker broker(r.fn());
    completions c;
    message_id mid = 0;
    {
      client cl(options_for(broker.port()));
      cl.start();
      cl.connect();
      mid = cl.publish("t/" + std::to_string(static_cast<int>(q)), "payload", q, false, c.fn()).value();
      cl.stop();
      EXPECT_EQ(cl.stats().queued, 0u);
      EXPECT_EQ(cl.stats().inflight, 0u);
    }
    auto done = c.get();
    ASSERT_EQ(done.count(mid), 1u) << "QoS " << static_cast<int>(q) << ": no completion";
    EXPECT_FALSE(done[mid]) << "QoS " << static_cast<int>(q) << ": " << done[mid].message();
    EXPECT_EQ(r.got(), std::vector<std::string>{"t/" + std::to_string(static_cast<int>(q))});
    EXPECT_EQ(r.disconnects.load(), 1);
  }
}

// stop(linger, done) with an empty done stops and calls nothing, on a
// client with its own thread as on one that never started.
TEST(ClientStop, AnEmptyDoneIsNotCalled) {
  recording_broker r;
  fake_broker broker(r.fn());
  client started(options_for(broker.port()));
  started.start();
  started.stop(std::chrono::milliseconds(0), nullptr);
  client idle(options_for(broker.port()));
  idle.stop(std::chrono::milliseconds(0), callback<void()>{});
  EXPECT_FALSE(started.is_connected());
}

TEST(ClientStop, DeliversABurstBeforeDisconnecting) {
  recording_broker r;
  fake_broker broker(r.fn());
  completions c;
  client cl(options_for(broker.port()));
  cl.start();
  cl.connect();
  ASSERT_TRUE(wait_connected(cl));
  for (int n = 0; n < 300; ++n) (void)cl.publish("b", "x", all_qos[n % 3], false, c.fn());
  cl.stop();
  auto done = c.get();
  EXPECT_EQ(done.size(), 300u);
  for (auto& [mid, ec] : done) EXPECT_FALSE(ec) << mid << ": " << ec.message();
  EXPECT_EQ(r.got().size(), 300u);
}

TEST(ClientStop, ReportsEveryMessageItCouldNotDeliver) {
  // Never connected: nothing can be delivered, and stop() says so at once,
  // through each completion and one log line naming the ids.
  client_options o = options_for(1);
  completions c;
  std::mutex m;
  std::vector<std::string> errors;
  client cl(o);
  cl.on_log([&](log_level l, std::string_view text) {
    std::lock_guard lock(m);
    if (l == log_level::err) errors.emplace_back(text);
  });
  std::vector<message_id> mids;
  for (auto q : all_qos) mids.push_back(cl.publish("t", "x", q, false, c.fn()).value());
  std::promise<std::error_code> sub;
  (void)cl.subscribe({{"s", qos::at_least_once}}, [&](std::error_code ec, std::vector<std::uint8_t>) { sub.set_value(ec); });
  auto t0 = std::chrono::steady_clock::now();
  cl.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);  // no connection to wait for
  auto done = c.get();
  for (auto mid : mids) {
    ASSERT_EQ(done.count(mid), 1u) << mid;
    EXPECT_EQ(done[mid], errc::stopped);
  }
  auto f = sub.get_future();
  ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(f.get(), errc::stopped);
  std::lock_guard lock(m);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("3 message(s) not delivered"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find(std::to_string(mids[0])), std::string::npos) << errors[0];
}

TEST(ClientStop, TheDestructorReportsToo) {
  completions c;
  message_id mid = 0;
  {
    client cl(options_for(1));
    mid = cl.publish("t", "x", qos::at_least_once, false, c.fn()).value();
  }
  auto done = c.get();
  ASSERT_EQ(done.count(mid), 1u);
  EXPECT_EQ(done[mid], errc::stopped);
}

TEST(ClientStop, WaitsNoLongerThanTheLinger) {
  // The broker never acknowledges: the QoS 1 message is reported after the
  // linger, and DISCONNECT still goes out.
  recording_broker r;
  r.ack = false;
  fake_broker broker(r.fn());
  completions c;
  client cl(options_for(broker.port()));
  cl.start();
  cl.connect();
  ASSERT_TRUE(wait_connected(cl));
  auto mid = cl.publish("t", "x", qos::at_least_once, false, c.fn()).value();
  auto t0 = std::chrono::steady_clock::now();
  cl.stop(300ms);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(c.get()[mid], errc::stopped);
  EXPECT_EQ(r.disconnects.load(), 1);
}

TEST(ClientStop, ABrokerThatNeverAnswersDoesNotHoldTheStopPastTheLinger) {
  recording_broker r;
  r.answer_connect = false;
  fake_broker broker(r.fn());
  completions c;
  client cl(options_for(broker.port()));
  cl.connect();
  auto mid = cl.publish("t", "x", qos::exactly_once, false, c.fn()).value();
  auto t0 = std::chrono::steady_clock::now();
  cl.stop(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(c.get()[mid], errc::stopped);
}

TEST(ClientStop, MakesOneLastAttemptInsteadOfWaitingForTheBackOff) {
  // The first CONNECT is refused with "server unavailable" (retried), and
  // the reconnect waits out a 30 s back-off; stop() tries again at once.
  recording_broker r;
  std::atomic<int> connects{0};
  auto accept = r.fn();
  fake_broker broker([&](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p) && ++connects == 1) return fake_broker::wire(connack_view{false, 3});
    return accept(p);
  });
  auto o = options_for(broker.port());
  o.reconnect.enabled = true;
  o.reconnect.min_delay = 30s;
  o.reconnect.max_delay = 30s;
  std::atomic<int> refusals{0};
  client cl(o);
  cl.on_disconnect([&](std::error_code) { ++refusals; });
  completions c;
  cl.connect();
  auto mid = cl.publish("t", "x", qos::at_least_once, false, c.fn()).value();
  for (int n = 0; n < 500 && refusals == 0; ++n) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(refusals.load(), 1);
  auto t0 = std::chrono::steady_clock::now();
  cl.stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(connects.load(), 2);
  auto done = c.get();
  ASSERT_EQ(done.count(mid), 1u);
  EXPECT_FALSE(done[mid]) << done[mid].message();
  EXPECT_EQ(r.got(), std::vector<std::string>{"t"});
}

// ---- a client on the caller's io_context ----------------------------------

// Runs `ctx` on a thread; `returned()` waits (at most `timeout`) for run() to return.
struct runner {
  asio::io_context& ctx;
  std::promise<void> ended;
  std::future<void> ended_f = ended.get_future();
  std::thread t;
  explicit runner(asio::io_context& c) : ctx(c), t([this] {
    ctx.run();
    ended.set_value();
  }) {}
  ~runner() {
    ctx.stop();
    t.join();
  }
  bool returned(std::chrono::milliseconds timeout) { return ended_f.wait_for(timeout) == std::future_status::ready; }
};

enum class ending { disconnect, stop, destroy };

void run_returns_after(ending how) {
  recording_broker r;
  fake_broker broker(r.fn());
  asio::io_context ctx;
  auto cl = std::make_unique<client>(ctx, options_for(broker.port()));  // connect_timeout 30 s
  cl->connect();
  runner run(ctx);
  ASSERT_TRUE(wait_connected(*cl));
  auto t0 = std::chrono::steady_clock::now();
  if (how == ending::disconnect) cl->disconnect();
  if (how == ending::stop) cl->stop();
  if (how == ending::destroy) cl.reset();
  // The DISCONNECT lingers until the broker closes, at most 1 s; the fake
  // broker never closes. Before: run() returned only when the CONNACK
  // timer, still armed, fired after 30 s.
  EXPECT_TRUE(run.returned(2500ms)) << "run() still busy";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_EQ(r.disconnects.load(), 1);
}

TEST(ClientOnYourContext, RunReturnsPromptlyAfterDisconnect) { run_returns_after(ending::disconnect); }
TEST(ClientOnYourContext, RunReturnsPromptlyAfterStop) { run_returns_after(ending::stop); }
TEST(ClientOnYourContext, RunReturnsPromptlyAfterTheClientIsDestroyed) { run_returns_after(ending::destroy); }

TEST(ClientOnYourContext, StopDeliversBeforeRunReturns) {
  recording_broker r;
  fake_broker broker(r.fn());
  asio::io_context ctx;
  completions c;
  client cl(ctx, options_for(broker.port()));
  cl.connect();
  auto mid = cl.publish("t", "x", qos::exactly_once, false, c.fn()).value();
  cl.stop();
  runner run(ctx);
  EXPECT_TRUE(run.returned(3s));
  auto done = c.get();
  ASSERT_EQ(done.count(mid), 1u);
  EXPECT_FALSE(done[mid]);
}

// ---- stop() and the destructor from a callback ------------------------------

TEST(ClientStop, FromItsOwnCallback) {
  // Before: "terminate called after throwing an instance of
  // 'std::system_error' what(): Resource deadlock avoided".
  recording_broker r;
  fake_broker broker(r.fn());
  completions c;
  client cl(options_for(broker.port()));
  std::promise<void> stopped;
  std::atomic<int> connects{0};
  cl.on_connect([&](bool, int) {
    if (++connects > 1) return;
    (void)cl.publish("t", "x", qos::at_least_once, false, c.fn());
    cl.stop();
    stopped.set_value();
  });
  cl.connect();
  ASSERT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
  for (int n = 0; n < 300 && r.disconnects == 0; ++n) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(r.disconnects.load(), 1);
  EXPECT_EQ(r.got(), std::vector<std::string>{"t"});  // delivered before the DISCONNECT
  auto done = c.get();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done.begin()->second);
  // The stop is over: start() and connect() work again.
  cl.connect();
  EXPECT_TRUE(wait_connected(cl));
  cl.stop();
  EXPECT_EQ(r.disconnects.load(), 2);
}

TEST(ClientStop, DestroyedFromItsOwnCallback) {
  recording_broker r;
  fake_broker broker(r.fn());
  auto cl = std::make_unique<client>(options_for(broker.port()));
  std::promise<void> destroyed;
  // Destroying the client while connect() is still returning on this
  // thread would be the test's own race (ThreadSanitizer saw the strand's
  // last reference dropped here after the io_context was gone).
  std::promise<void> connect_returned;
  auto returned = connect_returned.get_future().share();
  cl->on_connect([&, returned](bool, int) {
    returned.wait();
    cl.reset();
    destroyed.set_value();
  });
  cl->connect();
  connect_returned.set_value();
  ASSERT_EQ(destroyed.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(cl, nullptr);
  for (int n = 0; n < 300 && r.disconnects == 0; ++n) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(r.disconnects.load(), 1);
  // The detached I/O thread ends within the DISCONNECT's linger (1 s).
  std::this_thread::sleep_for(1200ms);
}

// ---- start() and connect() ---------------------------------------------------

TEST(ClientStart, ConnectWithoutStartConnects) {
  // Before: nothing happened, forever, without a word.
  recording_broker r;
  fake_broker broker(r.fn());
  client cl(options_for(broker.port()));
  cl.connect();
  EXPECT_TRUE(wait_connected(cl));
}

TEST(ClientStart, StartAfterStopWorks) {
  recording_broker r;
  fake_broker broker(r.fn());
  client cl(options_for(broker.port()));
  cl.start();
  cl.connect();
  ASSERT_TRUE(wait_connected(cl));
  cl.stop();
  EXPECT_FALSE(cl.is_connected());
  cl.start();
  cl.connect();
  EXPECT_TRUE(wait_connected(cl));
  completions c;
  auto mid = cl.publish("again", "x", qos::at_least_once, false, c.fn()).value();
  cl.stop();
  EXPECT_FALSE(c.get()[mid]);
  EXPECT_EQ(r.got(), std::vector<std::string>{"again"});
}

}  // namespace
}  // namespace tern::test::stop_test
