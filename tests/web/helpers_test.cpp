// The facade's helpers: closest-key suggestions, client id templates, the handler queue.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "web/client_id_template.hpp"
#include "web/closest_key.hpp"
#include "web/handler_queue.hpp"

namespace tern::web::detail {
namespace {

using namespace std::chrono_literals;

TEST(EditDistance, CountsTranspositionsAsOneAndIgnoresCase) {
  EXPECT_EQ(edit_distance("MQTT_BROKER_ULR", "MQTT_BROKER_URL"), 1u);
  EXPECT_EQ(edit_distance("MQTT_broker_url", "MQTT_BROKER_URL"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("MQTT_KEEPALIV", "MQTT_KEEPALIVE"), 1u);
}

TEST(ClosestKey, PicksTheNearestCandidate) {
  std::vector<std::string> keys{"MQTT_BROKER_URL", "MQTT_BROKER_URLS", "MQTT_BROKER_PORT", "MQTT_KEEPALIVE"};
  EXPECT_EQ(closest_key("MQTT_BROKER_ULR", keys), "MQTT_BROKER_URL");
  EXPECT_EQ(closest_key("MQTT_BROKER_PROT", keys), "MQTT_BROKER_PORT");
  EXPECT_EQ(closest_key("MQTT_KEEP_ALIVE", keys), "MQTT_KEEPALIVE");
  EXPECT_EQ(closest_key("x", std::span<const std::string>{}), "");
}

TEST(ClientIdTemplate, ExpandsEveryPlaceholder) {
  template_values v{"4242", "web-1", "abcd1234"};
  std::string out, err;
  ASSERT_TRUE(expand_client_id("app-{hostname}-{pid}-{random}", v, out, err)) << err;
  EXPECT_EQ(out, "app-web-1-4242-abcd1234");
  ASSERT_TRUE(expand_client_id("{{literal}}", v, out, err)) << err;
  EXPECT_EQ(out, "{literal}");
  ASSERT_TRUE(expand_client_id("plain", v, out, err));
  EXPECT_EQ(out, "plain");
  EXPECT_FALSE(expand_client_id("x-{uid}", v, out, err));
  EXPECT_NE(err.find("{uid}"), std::string::npos);
  EXPECT_FALSE(expand_client_id("x-{pid", v, out, err));
  EXPECT_FALSE(expand_client_id("x}", v, out, err));
}

TEST(ClientIdTemplate, RealValuesDiffer) {
  auto a = template_values_now(), b = template_values_now();
  EXPECT_EQ(a.pid, std::to_string(::getpid()));
  EXPECT_FALSE(a.hostname.empty());
  EXPECT_EQ(a.random.size(), 8u);
  EXPECT_NE(a.random, b.random);  // 36^8 values: a collision here means no randomness
}

TEST(HandlerQueue, RunsTasksInOrderOnItsOwnThread) {
  handler_queue q(100);
  std::vector<int> seen;
  std::thread::id tid;
  for (int n = 0; n < 50; ++n)
    EXPECT_EQ(q.push([&, n] { seen.push_back(n); tid = std::this_thread::get_id(); }, true),
              handler_queue::push_result::queued);
  ASSERT_TRUE(q.wait_idle(5000));
  ASSERT_EQ(seen.size(), 50u);
  for (int n = 0; n < 50; ++n) EXPECT_EQ(seen[n], n);
  EXPECT_NE(tid, std::this_thread::get_id());
}

TEST(HandlerQueue, DropsNewestDroppableTasksWhenFullAndCounts) {
  handler_queue q(4);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  q.push([&] { while (!release) std::this_thread::sleep_for(1ms); }, false);
  while (q.size() != 0) std::this_thread::sleep_for(1ms);  // the blocker is running
  for (int n = 0; n < 4; ++n) EXPECT_EQ(q.push([&] { ++ran; }, true), handler_queue::push_result::queued);
  EXPECT_EQ(q.push([&] { ++ran; }, true), handler_queue::push_result::dropped_first);
  EXPECT_EQ(q.push([&] { ++ran; }, true), handler_queue::push_result::dropped);
  // Never dropped: events the caller bounds itself.
  EXPECT_EQ(q.push([&] { ran += 100; }, false), handler_queue::push_result::queued);
  EXPECT_EQ(q.dropped(), 2u);
  release = true;
  ASSERT_TRUE(q.wait_idle(5000));
  EXPECT_EQ(ran, 104);
  // Drained: a new overflow is reported as a first drop again.
  std::atomic<bool> release2{false};
  q.push([&] { while (!release2) std::this_thread::sleep_for(1ms); }, false);
  while (q.size() != 0) std::this_thread::sleep_for(1ms);
  for (int n = 0; n < 4; ++n) q.push([] {}, true);
  EXPECT_EQ(q.push([] {}, true), handler_queue::push_result::dropped_first);
  release2 = true;
}

TEST(HandlerQueue, StopDiscardsWaitingTasks) {
  std::atomic<int> ran{0};
  {
    handler_queue q(10);
    q.push([] { std::this_thread::sleep_for(50ms); }, false);
    while (q.size() != 0) std::this_thread::sleep_for(1ms);
    q.push([&] { ++ran; }, false);
    q.stop();
    EXPECT_EQ(q.push([&] { ++ran; }, false), handler_queue::push_result::dropped);
  }
  EXPECT_EQ(ran, 0);
}

}  // namespace
}  // namespace tern::web::detail
