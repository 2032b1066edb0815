// The facade on an io_context the application runs (mqtt_options::io_context):
// no thread of its own, so that a process can hold one facade (and one
// bridge) per signed-in user.

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/eventually.hpp"
#include "../common/proc_self.hpp"
#include "scripted_broker.hpp"
#include "tern/web/bridge.hpp"
#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::web::shared_io_test {
namespace {

using namespace std::chrono_literals;
using tern::test::eventually;
using tern::test::thread_count;
using test::config_for;
using test::fake_broker;
using test::scripted;

/// An io_context run by one thread of the test's.
struct shared_io {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~shared_io() {
    work.reset();
    thread.join();
  }
  mqtt_options options() {
    mqtt_options o;
    o.io_context = &io;
    return o;
  }
};

TEST(SharedIo, FacadesSpendNoThreadOfTheirOwn) {
  scripted s;
  fake_broker broker(s.fn());
  shared_io shared;
  const int before = thread_count();
  std::vector<std::unique_ptr<mqtt>> facades;
  std::mutex ids_m;
  std::vector<std::thread::id> handler_threads;
  for (int n = 0; n < 20; ++n) {
    auto m = std::make_unique<mqtt>(shared.options());
    m->on_connect([&](mqtt&, const std::any&, connect_flags, int) {
      std::lock_guard lock(ids_m);
      handler_threads.push_back(std::this_thread::get_id());
    });
    m->init_app(config_for(broker));  // this thread does not run the io_context: it waits
    EXPECT_TRUE(m->status().connected);
    facades.push_back(std::move(m));
  }
  EXPECT_EQ(thread_count(), before);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(ids_m);
    return handler_threads.size() == 20;
  }, 5s));
  std::lock_guard lock(ids_m);
  for (auto id : handler_threads) EXPECT_EQ(id, shared.thread.get_id());
}

TEST(SharedIo, MessagesReachTheHandlersInOrder) {
  scripted s;
  s.on_connack = {"a", "b", "c"};
  fake_broker broker(s.fn());
  shared_io shared;
  mqtt m(shared.options());
  std::mutex seen_m;
  std::vector<std::string> seen;
  m.on_message([&](mqtt&, const std::any&, const message& msg) {
    std::lock_guard lock(seen_m);
    seen.push_back(msg.topic);
  });
  m.init_app(config_for(broker));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(seen_m);
    return seen.size() == 3;
  }, 5s));
  {
    std::lock_guard lock(seen_m);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  }
  std::atomic<int> published{0};
  m.on_publish([&](mqtt&, const std::any&, message_id) { ++published; });
  EXPECT_EQ(m.publish("out", "v", 1).result, MQTT_ERR_SUCCESS);
  ASSERT_TRUE(eventually([&] { return published == 1; }, 5s));
  std::lock_guard lock(s.m);
  EXPECT_EQ(s.published, std::vector<std::string>{"out"});
}

TEST(SharedIo, TheDestructorDoesNotWaitAndNoHandlerRunsAfterIt) {
  scripted s;
  fake_broker broker(s.fn());
  shared_io shared;
  auto gone = std::make_shared<std::atomic<bool>>(false);
  auto late = std::make_shared<std::atomic<int>>(0);
  {
    mqtt m(shared.options());
    auto count_late = [gone, late] {
      if (*gone) ++*late;
    };
    m.on_disconnect([count_late](mqtt&, const std::any&, int) { count_late(); });
    m.on_log([count_late](mqtt&, const std::any&, log_level, const std::string&) { count_late(); });
    m.on_publish([count_late](mqtt&, const std::any&, message_id) { count_late(); });
    m.init_app(config_for(broker));
    ASSERT_TRUE(m.status().connected);
    for (int n = 0; n < 50; ++n) m.publish("t", "v", 1);
  }
  *gone = true;
  // The stop ends on the io_context: DISCONNECT once what was published is acknowledged.
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.disconnects == 1;
  }, 5s));
  {
    std::lock_guard lock(s.m);
    EXPECT_EQ(s.published.size(), 50u);
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(*late, 0);
}

TEST(SharedIo, AHandlerMayDestroyItsOwnFacade) {
  scripted s;
  fake_broker broker(s.fn());
  shared_io shared;
  auto m = std::make_unique<mqtt>(shared.options());
  std::promise<void> destroyed;
  std::promise<void> init_returned;
  auto returned = init_returned.get_future().share();
  m->on_connect([&, returned](mqtt&, const std::any&, connect_flags, int) {
    returned.wait();  // not while init_app still runs on the test's thread
    m.reset();
    destroyed.set_value();
  });
  auto cfg = config_for(broker);
  m->init_app(cfg);
  init_returned.set_value();
  ASSERT_EQ(destroyed.get_future().wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.disconnects == 1;
  }, 5s));
}

TEST(SharedIo, TwoFacadesMayDestroyEachOtherFromTheirHandlers) {
  // Each destructor waiting for the other's running handler would hang.
  scripted s;
  fake_broker broker(s.fn());
  shared_io shared;
  std::thread second([&] { shared.io.run(); });  // two threads: both handlers at once
  std::unique_ptr<mqtt> a, b;
  std::atomic<int> arrived{0};
  std::atomic<bool> both_made{false};
  std::promise<void> a_done, b_done;
  auto meet = [&] {
    for (int n = 0; n < 2000 && !both_made; ++n) std::this_thread::sleep_for(1ms);
    ++arrived;
    for (int n = 0; n < 2000 && arrived < 2; ++n) std::this_thread::sleep_for(1ms);
  };
  a = std::make_unique<mqtt>(shared.options());
  b = std::make_unique<mqtt>(shared.options());
  a->on_connect([&](mqtt&, const std::any&, connect_flags, int) {
    meet();
    b.reset();
    a_done.set_value();
  });
  b->on_connect([&](mqtt&, const std::any&, connect_flags, int) {
    meet();
    a.reset();
    b_done.set_value();
  });
  auto cfg = config_for(broker);
  cfg.set("MQTT_CLIENT_ID", "a");
  a->init_app(cfg);
  cfg.set("MQTT_CLIENT_ID", "b");
  b->init_app(cfg);
  both_made = true;  // from here on only the handlers touch `a` and `b`
  EXPECT_EQ(a_done.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(b_done.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.disconnects == 2;
  }, 5s));
  shared.work.reset();
  second.join();
}

TEST(SharedIo, InitAppOnTheIoContextsOwnThreadDoesNotWaitForIt) {
  scripted s;
  fake_broker broker(s.fn());
  shared_io shared;  // one thread: init_app waiting on it would wait for itself
  mqtt m(shared.options());
  std::promise<void> returned;
  asio::post(shared.io, [&] {
    m.init_app(config_for(broker));
    returned.set_value();
  });
  ASSERT_EQ(returned.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(eventually([&] { return m.status().connected; }, 5s));
  std::promise<void> stopped;
  asio::post(shared.io, [&] {
    m.stop();  // nor does stop
    stopped.set_value();
  });
  EXPECT_EQ(stopped.get_future().wait_for(2s), std::future_status::ready);
}

TEST(SharedIo, EachUsersBridgeStreamsWhatItsConnectionReceives) {
  scripted s;
  s.echo = true;
  fake_broker broker(s.fn());
  shared_io shared;
  struct user {
    std::unique_ptr<mqtt> m;
    std::unique_ptr<bridge> b;
  };
  std::vector<user> users;
  for (const char* name : {"alice", "bob"}) {
    user u;
    u.m = std::make_unique<mqtt>(shared.options());
    auto cfg = config_for(broker);
    cfg.set("MQTT_CLIENT_ID", std::string("web-") + name);
    u.m->init_app(cfg);
    ASSERT_TRUE(u.m->status().connected);
    bridge_options bo;
    bo.open_access = true;
    u.b = std::make_unique<bridge>(*u.m, bo);
    users.push_back(std::move(u));
  }
  http_request ev;
  ev.method = "GET";
  ev.path = "/events";
  ev.query = {{"topic", "users/alice/#"}};
  auto opened = users[0].b->open_stream(ev);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<event_stream>>(opened));
  auto stream = std::get<std::shared_ptr<event_stream>>(opened);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    for (const auto& [conn, f] : s.subscribed)
      if (f == "users/alice/#") return true;
    return false;
  }, 5s));
  // Published through alice's connection; the broker echoes it to her alone.
  http_request pub;
  pub.method = "POST";
  pub.path = "/publish";
  pub.content_type = "application/json";
  pub.body = R"({"topic": "users/alice/note", "message": "hi", "qos": 1})";
  EXPECT_EQ(users[0].b->handle(pub).status, 200);
  std::string got;
  ASSERT_TRUE(eventually([&] {
    got += stream->take();
    return got.find("users/alice/note") != std::string::npos;
  }, 5s));
  EXPECT_NE(got.find("\"hi\""), std::string::npos);
  {
    std::lock_guard lock(s.m);
    EXPECT_EQ(s.client_ids, (std::vector<std::string>{"web-alice", "web-bob"}));
  }
  // A logout: the bridge goes first, then the facade; the stream ends.
  users[0].b.reset();
  EXPECT_TRUE(stream->closed());
  users[0].m.reset();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(s.m);
    return s.disconnects == 1;
  }, 5s));
  EXPECT_TRUE(users[1].m->status().connected);
}

TEST(SharedIo, NotWithExternalDispatch) {
  asio::io_context io;
  mqtt_options o;
  o.io_context = &io;
  o.external_dispatch = true;
  EXPECT_THROW(mqtt m(o), std::invalid_argument);
}

}  // namespace
}  // namespace tern::web::shared_io_test
