// The facade with external_io: the client's I/O runs inside run_pending, on
// the thread that polls dispatch_fd (an event loop's); a stand-in thread
// serves the connection while that thread is away; init_app and stop run
// the I/O themselves while they wait.

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/eventually.hpp"
#include "scripted_broker.hpp"
#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::web::external_io_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;
using test::config_for;
using test::fake_broker;
using test::scripted;

mqtt_options polled_options() {
  mqtt_options o;
  o.external_dispatch = true;
  o.external_io = true;
  return o;
}

/// What an event loop does: waits for dispatch_fd, then calls run_pending,
/// until `done()` or `bound`.
template <class Done>
bool run_loop(mqtt& m, Done done, std::chrono::milliseconds bound = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    pollfd p{m.dispatch_fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) == 1) m.run_pending();
  }
  return true;
}

TEST(ExternalIo, TheConnectionRunsOnTheThreadThatPolls) {
  scripted s;
  s.on_connack = {"a", "b"};
  fake_broker broker(s.fn());
  auto o = polled_options();
  o.connect_async = true;  // init_app returns at once: nothing has run yet
  mqtt m(o);
  std::mutex arrivals_m;  // should the stand-in read (it must not), no race on top
  std::vector<std::thread::id> arrivals;  // the I/O's thread: must be this one
  std::vector<std::string> seen;
  m.on_every_message_arrival([&](mqtt&, const std::any&, const message&) {
    std::lock_guard lock(arrivals_m);
    arrivals.push_back(std::this_thread::get_id());
  });
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int rc) { seen.push_back("connect " + std::to_string(rc)); });
  m.on_message([&](mqtt&, const std::any&, const message& msg) { seen.push_back(msg.topic); });
  m.init_app(config_for(broker));
  ASSERT_TRUE(run_loop(m, [&] { return seen.size() == 3; }));
  EXPECT_EQ(seen, (std::vector<std::string>{"connect 0", "a", "b"}));
  {
    std::lock_guard lock(arrivals_m);
    ASSERT_EQ(arrivals.size(), 2u);
    for (auto id : arrivals) EXPECT_EQ(id, std::this_thread::get_id());
  }

  // A publish from this thread outside run_pending wakes the loop's descriptor.
  std::atomic<int> published{0};
  m.on_publish([&](mqtt&, const std::any&, message_id) { ++published; });
  auto r = m.publish("out", "v", 1);
  EXPECT_EQ(r.result, MQTT_ERR_SUCCESS);
  EXPECT_NE(r.mid, 0);
  ASSERT_TRUE(run_loop(m, [&] { return published == 1; }));
  std::lock_guard lock(s.m);
  EXPECT_EQ(s.published, std::vector<std::string>{"out"});
}

TEST(ExternalIo, InitAppFromAnotherThreadConnectsWhileTheLoopPolls) {
  scripted s;
  fake_broker broker(s.fn());
  mqtt m(polled_options());  // connect_async false: init_app waits for the CONNACK
  std::atomic<bool> done{false};
  std::thread t([&] {
    m.init_app(config_for(broker));
    done = true;
  });
  bool ok = run_loop(m, [&] { return done.load(); });
  t.join();
  ASSERT_TRUE(ok);
  EXPECT_TRUE(m.status().connected);
}

TEST(ExternalIo, InitAppOnTheLoopsOwnThreadRunsTheIoItself) {
  scripted s;
  fake_broker broker(s.fn());
  mqtt m(polled_options());
  m.init_app(config_for(broker));  // no loop polls: it must not wait in vain
  EXPECT_TRUE(m.status().connected);
}

TEST(ExternalIo, AHostNameIsResolved) {
  // Asio's resolver thread queues its result without waking a poller.
  scripted s;
  fake_broker broker(s.fn());
  auto o = polled_options();
  o.connect_async = true;
  mqtt m(o);
  bool connected = false;
  m.on_connect([&](mqtt&, const std::any&, connect_flags, int rc) { connected = rc == 0; });
  auto cfg = config_for(broker);
  cfg.set("MQTT_BROKER_URL", "localhost");
  m.init_app(cfg);
  EXPECT_TRUE(run_loop(m, [&] { return connected; }));
}

TEST(ExternalIo, AStandInServesTheConnectionWhileTheLoopIsAway) {
  scripted s;
  fake_broker broker(s.fn());
  auto o = polled_options();
  mqtt m(o);
  std::atomic<int> arrived{0};
  m.on_every_message_arrival([&](mqtt&, const std::any&, const message&) { ++arrived; });
  auto cfg = config_for(broker);
  cfg.set("MQTT_KEEPALIVE", 1);
  m.init_app(cfg);
  ASSERT_TRUE(m.status().connected);
  // This thread never polls again: keep-alive and reads go on without it.
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.pingreqs >= 2;
  }, 5s));
  EXPECT_TRUE(m.status().connected);
}

TEST(ExternalIo, ReadsWaitWhileTheHandlersAreBehind) {
  // A backlog five times the handler queue: nothing may be dropped, the
  // rest waits in the socket until the handlers catch up. (A queue holds
  // at least what waits before a read, 1,024 events at most, plus what one
  // read brings: up to 2,048 of these small messages.)
  constexpr int n = 20000;
  scripted s;
  for (int k = 0; k < n; ++k) s.on_connack.push_back("t/" + std::to_string(k));
  fake_broker broker(s.fn());
  auto o = polled_options();
  o.handler_queue_size = 4000;
  mqtt m(o);
  std::vector<std::string> seen;
  m.on_message([&](mqtt&, const std::any&, const message& msg) { seen.push_back(msg.topic); });
  m.init_app(config_for(broker));
  ASSERT_TRUE(run_loop(m, [&] { return seen.size() >= n; }, 20000ms)) << seen.size();
  EXPECT_EQ(m.status().dropped, 0u);
  for (int k = 0; k < n; ++k) ASSERT_EQ(seen[k], "t/" + std::to_string(k));
}

TEST(ExternalIo, StopDeliversWhatWasPublishedThenDisconnects) {
  scripted s;
  fake_broker broker(s.fn());
  mqtt m(polled_options());
  std::atomic<int> published{0};
  m.on_publish([&](mqtt&, const std::any&, message_id) { ++published; });
  m.init_app(config_for(broker));
  ASSERT_TRUE(m.status().connected);
  for (int k = 0; k < 3; ++k) (void)m.publish("out", "v", 1);
  m.stop();  // nothing else polls: stop runs the I/O until the PUBACKs came
  EXPECT_FALSE(m.status().connected);
  while (m.run_pending() > 0) {
  }
  EXPECT_EQ(published, 3);
  std::lock_guard lock(s.m);
  EXPECT_EQ(s.published.size(), 3u);
}

}  // namespace
}  // namespace tern::web::external_io_test
