// The facade's helpers: closest-key suggestions, client id templates, the handler queue.

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "web/client_id_template.hpp"
#include "web/closest_key.hpp"
#include "web/handler_queue.hpp"

namespace tern::web::detail::helpers_test {
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

// ---- posted mode: jobs on threads the application runs -------------------

TEST(HandlerQueue, PostedTasksRunInOrderOneAtATimeOnThePostersThreads) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int n = 0; n < 3; ++n) threads.emplace_back([&] { io.run(); });
  {
    handler_queue q(100000, [&io](std::function<void()> job) { asio::post(io, std::move(job)); }, 8);
    std::atomic<int> running{0};
    std::atomic<bool> overlapped{false};
    std::vector<int> seen;  // only ever touched by one task at a time
    std::set<std::thread::id> ran_on;
    std::mutex ran_on_m;
    for (int n = 0; n < 2000; ++n) {
      q.push(
          [&, n] {
            if (++running != 1) overlapped = true;
            seen.push_back(n);
            {
              std::lock_guard lock(ran_on_m);
              ran_on.insert(std::this_thread::get_id());
            }
            --running;
          },
          false);
    }
    ASSERT_TRUE(q.wait_idle(10000));
    EXPECT_FALSE(overlapped);
    ASSERT_EQ(seen.size(), 2000u);
    for (int n = 0; n < 2000; ++n) ASSERT_EQ(seen[n], n);
    EXPECT_EQ(ran_on.count(std::this_thread::get_id()), 0u);
  }
  work.reset();
  for (auto& t : threads) t.join();
}

TEST(HandlerQueue, APostedJobRunsABatchThenPostsTheNext) {
  std::vector<std::function<void()>> jobs;
  handler_queue q(100, [&jobs](std::function<void()> job) { jobs.push_back(std::move(job)); }, 4);
  int ran = 0;
  for (int n = 0; n < 10; ++n) q.push([&] { ++ran; }, false);
  ASSERT_EQ(jobs.size(), 1u);  // one job posted at a time
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    auto job = std::move(jobs[j]);
    job();
  }
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(jobs.size(), 3u);  // 4 + 4 + 2
}

TEST(HandlerQueue, APostedJobThatRunsAfterTheQueueIsGoneDoesNothing) {
  std::vector<std::function<void()>> jobs;
  bool ran = false;
  {
    handler_queue q(100, [&jobs](std::function<void()> job) { jobs.push_back(std::move(job)); });
    q.push([&] { ran = true; }, false);
    ASSERT_EQ(jobs.size(), 1u);
  }
  jobs[0]();  // the queue is destroyed: under ASan a touch of it fails here
  EXPECT_FALSE(ran);
}

TEST(HandlerQueue, APostedTaskMayEndItsQueue) {
  std::vector<std::function<void()>> jobs;
  auto* q = new handler_queue(100, [&jobs](std::function<void()> job) { jobs.push_back(std::move(job)); });
  bool later = false, last = false;
  q->push([&] { q->stop_from_task([&] { last = true; delete q; }); }, false);
  q->push([&] { later = true; }, false);
  ASSERT_EQ(jobs.size(), 1u);
  jobs[0]();
  EXPECT_TRUE(last);
  EXPECT_FALSE(later);  // discarded by the stop
  EXPECT_EQ(jobs.size(), 1u);
}

TEST(HandlerQueue, StopThenDoesNotWaitForAJobOnAnotherThread) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  std::atomic<bool> release{false}, started{false}, later{false};
  std::promise<std::thread::id> last_ran;
  {
    handler_queue q(100, [&io](std::function<void()> job) { asio::post(io, std::move(job)); });
    q.push(
        [&] {
          started = true;
          while (!release) std::this_thread::sleep_for(1ms);
        },
        false);
    q.push([&] { later = true; }, false);
    while (!started) std::this_thread::sleep_for(1ms);
    q.stop_then([&] { last_ran.set_value(std::this_thread::get_id()); });
    // Returned while the task still runs; `last` follows it, on its thread.
    release = true;
    auto f = last_ran.get_future();
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(f.get(), runner.get_id());
  }
  EXPECT_FALSE(later);  // discarded
  work.reset();
  runner.join();
}

bool fd_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST(HandlerQueue, ExternalModeRunsTasksOnTheCallerAndSignalsTheFd) {
  handler_queue q(100, handler_queue::mode::external);
  ASSERT_GE(q.fd(), 0);
  EXPECT_FALSE(fd_readable(q.fd()));
  EXPECT_FALSE(q.wait_pending(0));
  std::vector<int> seen;
  std::thread::id tid;
  for (int n = 0; n < 5; ++n) q.push([&, n] { seen.push_back(n); tid = std::this_thread::get_id(); }, true);
  EXPECT_TRUE(fd_readable(q.fd()));
  EXPECT_TRUE(q.wait_pending(0));
  EXPECT_TRUE(seen.empty()) << "no thread of its own runs them";
  EXPECT_EQ(q.run_pending(3), 3u);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(tid, std::this_thread::get_id());
  EXPECT_TRUE(fd_readable(q.fd())) << "two still wait";
  EXPECT_EQ(q.run_pending(100), 2u);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(fd_readable(q.fd())) << "drained: the fd must not wake a poller for nothing";
  EXPECT_TRUE(q.wait_idle(0));
}

TEST(HandlerQueue, TasksPushedWithoutWakingWaitForWake) {
  handler_queue q(100, handler_queue::mode::external);
  for (int n = 0; n < 3; ++n) q.push([] {}, true, false);
  EXPECT_FALSE(fd_readable(q.fd())) << "a batch being pushed must not wake the poller per task";
  q.wake();
  EXPECT_TRUE(fd_readable(q.fd()));
  EXPECT_EQ(q.run_pending(100), 3u);
  EXPECT_FALSE(fd_readable(q.fd()));
  q.wake();
  EXPECT_FALSE(fd_readable(q.fd())) << "nothing pushed since: nothing to wake for";
  // Taken before the wake (the consumer runs whatever waits): no wake-up for nothing.
  q.push([] {}, true, false);
  EXPECT_EQ(q.run_pending(100), 1u);
  q.wake();
  EXPECT_FALSE(fd_readable(q.fd()));
  // A waiting thread wakes at the wake, not at the push.
  std::atomic<bool> woken{false};
  std::thread waiter([&] { woken = q.wait_pending(10000); });
  std::this_thread::sleep_for(30ms);  // waiting (a waiter that comes later sees the task itself)
  q.push([] {}, true, false);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(woken.load());
  q.wake();
  waiter.join();
  EXPECT_TRUE(woken.load());
}

TEST(HandlerQueue, ExternalModeWaitWakesOnPushAndOnStop) {
  handler_queue q(100, handler_queue::mode::external);
  std::thread pusher([&] {
    std::this_thread::sleep_for(20ms);
    q.push([] {}, false);
  });
  EXPECT_TRUE(q.wait_pending(10000));
  pusher.join();
  EXPECT_EQ(q.run_pending(10), 1u);
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    q.stop();
  });
  EXPECT_FALSE(q.wait_pending(10000)) << "stop wakes a waiter, with nothing to run";
  stopper.join();
  EXPECT_TRUE(q.stopped());
  EXPECT_TRUE(fd_readable(q.fd())) << "a poller must wake to see the stop";
  EXPECT_EQ(q.push([] {}, false), handler_queue::push_result::dropped);
  EXPECT_EQ(q.run_pending(10), 0u);
}

TEST(HandlerQueue, ExternalModeStopWaitsForARunningTaskButNotFromInsideOne) {
  handler_queue q(100, handler_queue::mode::external);
  std::atomic<bool> in_task{false}, finished{false};
  q.push([&] {
    in_task = true;
    std::this_thread::sleep_for(50ms);
    finished = true;
  }, false);
  std::thread runner([&] { q.run_pending(1); });
  while (!in_task) std::this_thread::sleep_for(1ms);
  q.stop();
  EXPECT_TRUE(finished) << "stop returned while a task still ran";
  runner.join();

  handler_queue q2(100, handler_queue::mode::external);
  q2.push([&] { q2.stop(); }, false);  // must not deadlock waiting for itself
  EXPECT_EQ(q2.run_pending(10), 1u);
  EXPECT_TRUE(q2.stopped());
}

}  // namespace
}  // namespace tern::web::detail::helpers_test
