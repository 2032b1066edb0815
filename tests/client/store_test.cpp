// tern::client with a message store: messages restored and sent again, a
// store that cannot take a message fails its publish, durability reported.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "../common/eventually.hpp"
#include "fake_broker.hpp"
#include "options_for.hpp"
#include "tern/client_options.hpp"
#include "tern/store.hpp"
#include "tern/client_async.hpp"
#include "tern/error.hpp"

namespace tern::test::store_test {
namespace {

using namespace std::chrono_literals;
using bytes = fake_broker::bytes;

struct seen_publish {
  std::string payload;
  bool dup;
  std::uint16_t packet_id;
};

// A broker that records every PUBLISH; it acknowledges them when `acks`.
struct recording_broker {
  explicit recording_broker(bool acks, bool session_present = false)
      : broker([this, acks, session_present](const packet_view& p) -> bytes {
          if (std::holds_alternative<connect_view>(p)) return fake_broker::wire(connack_view{session_present, 0});
          if (auto* pub = std::get_if<publish_view>(&p)) {
            {
              std::lock_guard l(m);
              seen.push_back({std::string(reinterpret_cast<const char*>(pub->payload.data()), pub->payload.size()),
                              pub->dup, pub->packet_id});
            }
            if (!acks) return {};
            if (pub->qos == qos::at_least_once) return fake_broker::wire(puback{pub->packet_id});
            if (pub->qos == qos::exactly_once) return fake_broker::wire(pubrec{pub->packet_id});
          }
          if (auto* rel = std::get_if<pubrel>(&p)) return fake_broker::wire(pubcomp{rel->packet_id});
          return {};
        }) {}
  std::vector<seen_publish> publishes() {
    std::lock_guard l(m);
    return seen;
  }
  bool wait_for(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (publishes().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  std::mutex m;
  std::vector<seen_publish> seen;
  fake_broker broker;
};

client_options persistent_options(const recording_broker& b, std::shared_ptr<message_store> store) {
  auto o = options_for(b.broker);
  o.connect.client_id = "store-test";
  o.connect.clean_session = false;
  o.stop_linger = 0ms;
  o.store = std::move(store);
  return o;
}

bool connect_and_wait(client& c) {
  auto up = std::make_shared<std::promise<void>>();
  c.on_connect([up](bool, int) {
    try {
      up->set_value();
    } catch (const std::future_error&) {
    }
  });
  c.start();
  c.connect();
  return up->get_future().wait_for(5s) == std::future_status::ready;
}

// Leaves two unacknowledged messages (QoS 1 and 2) in `store`; returns their mids.
std::vector<message_id> leave_two_in_flight(const std::shared_ptr<message_store>& store) {
  recording_broker silent(false);
  client a(persistent_options(silent, store));
  EXPECT_TRUE(connect_and_wait(a));
  auto m1 = a.publish("t", "one", qos::at_least_once);
  auto m2 = a.publish("t", "two", qos::exactly_once);
  EXPECT_TRUE(m1 && m2);
  EXPECT_TRUE(silent.wait_for(2));
  a.stop();  // the messages stay in the store for the next client
  return {*m1, *m2};
}

TEST(ClientStore, AnotherClientOnTheStoreSendsWhatWasLeftAsNewMessages) {
  auto store = std::make_shared<memory_store>();
  auto mids = leave_two_in_flight(store);
  auto kept = store->load();
  ASSERT_EQ(kept.messages.size(), 2u);
  EXPECT_NE(kept.messages[0].packet_id, 0u);

  recording_broker next(true, false);  // no session on this broker
  std::mutex m;
  std::vector<message_id> completed;
  client b(persistent_options(next, store));
  b.on_publish([&](message_id mid) {
    std::lock_guard l(m);
    completed.push_back(mid);
  });
  ASSERT_TRUE(connect_and_wait(b));
  ASSERT_TRUE(next.wait_for(2));
  auto seen = next.publishes();
  EXPECT_EQ(seen[0].payload, "one");
  EXPECT_EQ(seen[1].payload, "two");
  EXPECT_FALSE(seen[0].dup);  // new messages: the broker kept no session
  for (int i = 0; i < 500 && !store->load().messages.empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(store->load().messages.empty());
  std::lock_guard l(m);
  EXPECT_EQ(completed, mids);  // on_publish with the ids the first client gave them
}

TEST(ClientStore, WithTheSessionPresentTheyGoAgainWithTheirIdsAndDup) {
  auto store = std::make_shared<memory_store>();
  leave_two_in_flight(store);
  auto kept = store->load();
  recording_broker resumed(true, true);
  client b(persistent_options(resumed, store));
  ASSERT_TRUE(connect_and_wait(b));
  ASSERT_TRUE(resumed.wait_for(2));
  auto seen = resumed.publishes();
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(seen[i].dup);  // [MQTT-3.3.1-1]
    EXPECT_EQ(seen[i].packet_id, kept.messages[i].packet_id);  // [MQTT-4.4.0-1]
  }
  // A new message does not take an id the restored ones hold.
  auto mid = b.publish("t", "three", qos::at_least_once);
  ASSERT_TRUE(mid);
  EXPECT_GT(*mid, kept.messages[1].mid);
}

// A store that refuses messages, as a full disk does.
class full_store final : public message_store {
 public:
  stored_state load() const override { return inner_.load(); }
  std::error_code apply(const store_update& u) override {
    if (full && u.what == store_update::kind::message_accepted) return make_error_code(std::errc::no_space_on_device);
    return inner_.apply(u);
  }
  std::error_code sync() override { return {}; }
  std::uint64_t durable_updates() const noexcept override { return inner_.durable_updates(); }
  std::atomic<bool> full{true};

 private:
  memory_store inner_;
};

TEST(ClientStore, PublishFailsAtOnceWhenTheStoreCannotTakeTheMessage) {
  auto store = std::make_shared<full_store>();
  recording_broker broker(true);
  client c(persistent_options(broker, store));
  ASSERT_TRUE(connect_and_wait(c));
  auto r = c.publish("t", "x", qos::at_least_once);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::no_space_on_device);
  EXPECT_TRUE(c.publish("t", "qos 0 is not stored", qos::at_most_once));
  store->full = false;
  auto f = tern::async_publish(c, "t", "room again", qos::at_least_once, false, asio::use_future);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_GT(f.get(), 0u);
  EXPECT_TRUE(c.is_connected());
}

// Runs `body(c, store)` with a client `c`, not yet connected, on a batch
// file store in a new temporary directory, which is removed afterwards.
template <class Body>
void with_batch_store_client(Body body) {
  char tmpl[] = "/tmp/tern-client-store-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  {
    auto opened = file_store::open(dir, "store-test", {sync_policy::batch});
    ASSERT_TRUE(opened);
    std::shared_ptr<file_store> store = std::move(*opened);
    recording_broker broker(true);
    client c(persistent_options(broker, store));
    body(c, *store);
  }
  std::filesystem::remove_all(dir);
}

TEST(ClientStore, OnPersistedFollowsTheBatchSync) {
  with_batch_store_client([](client& c, file_store& store) {
    auto persisted = std::make_shared<std::promise<message_id>>();
    c.on_persisted([persisted](message_id mid) { persisted->set_value(mid); });
    ASSERT_TRUE(connect_and_wait(c));
    auto fsyncs = store.fsyncs();
    auto mid = c.publish("t", "x", qos::exactly_once);
    ASSERT_TRUE(mid);
    auto f = persisted->get_future();
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(f.get(), *mid);
    EXPECT_GT(store.fsyncs(), fsyncs);
  });
}

// An empty on_persisted, as unsetting a callback does, is never called
// (it stayed a non-empty std::function once, and crashed when called).
TEST(ClientStore, AnEmptyOnPersistedIsNotCalled) {
  with_batch_store_client([](client& c, file_store&) {
    c.on_persisted(nullptr);
    c.on_persisted(std::function<void(message_id)>{});
    ASSERT_TRUE(connect_and_wait(c));
    auto f = tern::async_publish(c, "t", "x", qos::at_least_once, false, asio::use_future);
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_GT(f.get(), 0u);
  });
}

// A client on your io_context, destroyed on a thread that does not run it
// just after its first publish: the strand makes the batch store's syncer
// for the sync that publish starts while ~client looks for it. Under
// ThreadSanitizer the two met as a data race.
TEST(ClientStore, DestroyedOffItsStrandAsItsFirstBatchSyncStarts) {
  char tmpl[] = "/tmp/tern-client-store-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  recording_broker broker(true);
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  for (int n = 0; n < 30; ++n) {
    auto opened = file_store::open(dir, "store-test-" + std::to_string(n), {sync_policy::batch});
    ASSERT_TRUE(opened);
    auto o = persistent_options(broker, std::move(*opened));
    o.connect.client_id = "store-test-" + std::to_string(n);
    client c(io, o);
    ASSERT_TRUE(connect_and_wait(c));  // start() does nothing on your io_context
    ASSERT_TRUE(c.publish("t", "x", qos::at_least_once));
  }  // each client goes at once; its stop ends on the io_context
  work.reset();
  runner.join();
  std::filesystem::remove_all(dir);
}

// A `batch` store whose sync() waits at a gate, and that answers whether an
// update was durable (covered by a finished sync) at a given moment.
class gated_store final : public message_store {
 public:
  stored_state load() const override { return inner_.load(); }
  std::error_code apply(const store_update& u) override {
    std::lock_guard l(m_);
    applied_.emplace_back(u.what, u.packet_id);
    return inner_.apply(u);
  }
  std::error_code sync() override {
    std::unique_lock l(m_);
    auto upto = applied_.size();
    ++waiting_;
    cv_.wait(l, [this] { return open_; });
    --waiting_;
    durable_ = std::max(durable_, upto);
    return {};
  }
  std::uint64_t durable_updates() const noexcept override {
    std::lock_guard l(m_);
    return durable_;
  }
  bool defers_sync() const noexcept override { return true; }

  void open() {
    std::lock_guard l(m_);
    open_ = true;
    cv_.notify_all();
  }
  bool sync_waiting() const {
    std::lock_guard l(m_);
    return waiting_ > 0;
  }
  /// An update of kind `k` for `packet_id` was applied and is durable.
  bool durable(store_update::kind k, std::uint16_t packet_id) const {
    std::lock_guard l(m_);
    for (std::size_t i = 0; i < durable_; ++i)
      if (applied_[i] == std::pair{k, packet_id}) return true;
    return false;
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
  std::size_t durable_ = 0;
  std::vector<std::pair<store_update::kind, std::uint16_t>> applied_;
  memory_store inner_;
};

// Opens the gate when the test ends, failed or not, so that the client's
// last sync, which its destructor waits for, can finish.
struct gate_opener {
  gated_store& store;
  ~gate_opener() { store.open(); }
};

// With sync_policy::batch a QoS 1 PUBLISH depends on no store update: it
// leaves while the sync that makes it durable is still running (before, the
// I/O thread waited for every fsync), and on_persisted follows that sync.
TEST(ClientStore, AQoS1PublishLeavesWhileItsBatchSyncRuns) {
  auto store = std::make_shared<gated_store>();
  recording_broker broker(true);
  client c(persistent_options(broker, store));
  gate_opener opener{*store};
  auto persisted = std::make_shared<std::promise<message_id>>();
  c.on_persisted([persisted](message_id mid) { persisted->set_value(mid); });
  ASSERT_TRUE(connect_and_wait(c));
  auto mid = c.publish("t", "x", qos::at_least_once);
  ASSERT_TRUE(mid);
  ASSERT_TRUE(broker.wait_for(1)) << "the PUBLISH waited for the store's sync";
  // The sync starts on a thread of its own while the PUBLISH is written: it
  // may begin after the broker has the message, and cannot end before the
  // gate opens.
  EXPECT_TRUE(eventually([&] { return store->sync_waiting(); }));
  auto f = persisted->get_future();
  EXPECT_EQ(f.wait_for(100ms), std::future_status::timeout) << "on_persisted before the sync was over";
  store->open();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), *mid);
}

// Across a power loss each of these would deliver a QoS 2 message twice (or
// lose one) if it left before the store update that precedes it, so each
// waits for a sync, even with sync_policy::batch: a QoS 2 PUBLISH for its
// packet id (message_sent), PUBREL for its PUBREC (pubrec_received); and
// for an inbound QoS 2 message, PUBREC for the held id (inbound_held),
// PUBCOMP for its release. The broker checks each as the packet arrives,
// while the store's syncs are held back for a moment.
TEST(ClientStore, APacketThatDependsOnAStoreUpdateLeavesAfterItsSync) {
  auto store = std::make_shared<gated_store>();
  std::mutex m;
  std::vector<std::string> checked;  // "PUBLISH ok", ...
  auto check = [&](const char* what, store_update::kind k, std::uint16_t id) {
    std::lock_guard l(m);
    checked.push_back(std::string(what) + (store->durable(k, id) ? " ok" : " before its update was durable"));
  };
  fake_broker broker([&](const packet_view& p) -> fake_broker::bytes {
    if (std::holds_alternative<connect_view>(p)) return fake_broker::wire(connack_view{false, 0});
    if (auto* sub = std::get_if<subscribe_view>(&p)) {
      static const std::uint8_t granted[] = {2};
      auto out = fake_broker::wire(suback_view{sub->packet_id, std::span(granted, 1)});
      auto in = fake_broker::wire(publish_view{"in", as_bytes(std::string_view("v")), qos::exactly_once, false, false, 7});
      out.insert(out.end(), in.begin(), in.end());
      return out;
    }
    if (auto* pub = std::get_if<publish_view>(&p)) {
      check("PUBLISH", store_update::kind::message_sent, pub->packet_id);
      return fake_broker::wire(pubrec{pub->packet_id});
    }
    if (auto* rel = std::get_if<pubrel>(&p)) {
      check("PUBREL", store_update::kind::pubrec_received, rel->packet_id);
      return fake_broker::wire(pubcomp{rel->packet_id});
    }
    if (auto* rec = std::get_if<pubrec>(&p)) {
      check("PUBREC", store_update::kind::inbound_held, rec->packet_id);
      return fake_broker::wire(pubrel{rec->packet_id});
    }
    if (auto* comp = std::get_if<pubcomp>(&p)) check("PUBCOMP", store_update::kind::inbound_released, comp->packet_id);
    return {};
  });
  auto o = options_for(broker);
  o.connect.client_id = "store-test";
  o.connect.clean_session = false;
  o.stop_linger = 0ms;
  o.store = store;
  client c(o);
  gate_opener opener{*store};
  ASSERT_TRUE(connect_and_wait(c));
  auto done = tern::async_publish(c, "out", "x", qos::exactly_once, false, asio::use_future);
  ASSERT_TRUE(c.subscribe("in", qos::exactly_once));
  std::this_thread::sleep_for(200ms);  // the syncs wait: so must the packets
  store->open();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard l(m);
      if (checked.size() >= 4) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::lock_guard l(m);
  std::sort(checked.begin(), checked.end());
  EXPECT_EQ(checked, (std::vector<std::string>{"PUBCOMP ok", "PUBLISH ok", "PUBREC ok", "PUBREL ok"}));
}

// [MQTT-4.3.3-2] across a crash: a subscriber with a file store is killed
// after it handled a QoS 2 message and sent PUBREC, before PUBREL came. The
// broker then re-sends the PUBLISH (DUP, same packet id: as if the PUBREC had
// been lost) and PUBREL to the restarted subscriber, which must acknowledge
// the copy without handling it again.
TEST(ClientStore, AnInboundQoS2MessageKilledBetweenPubrecAndPubrelIsHandledOnce) {
  char tmpl[] = "/tmp/tern-client-store-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::atomic<int> connects{0};
  std::atomic<int> pubrecs{0};
  std::atomic<int> pubcomps{0};
  const auto publish = [](bool dup) {
    return fake_broker::wire(publish_view{"t", as_bytes(std::string_view("once")), qos::exactly_once, false, dup, 7});
  };
  fake_broker broker([&](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p)) {
      bool again = connects++ > 0;
      auto out = fake_broker::wire(connack_view{again, 0});
      auto pub = publish(again);
      out.insert(out.end(), pub.begin(), pub.end());
      return out;
    }
    if (std::holds_alternative<pubrec>(p)) {
      // The first subscriber gets no PUBREL: it is killed waiting for it.
      if (pubrecs++ > 0) return fake_broker::wire(pubrel{7});
    }
    if (std::holds_alternative<pubcomp>(p)) ++pubcomps;
    return {};
  });
  auto options = [&](std::shared_ptr<message_store> store) {
    auto o = options_for(broker);
    o.connect.client_id = "inbound";
    o.connect.clean_session = false;
    o.store = std::move(store);
    return o;
  };

  int handled[2];
  ASSERT_EQ(::pipe(handled), 0);
  pid_t child = ::fork();
  if (child == 0) {
    auto store = file_store::open(dir, "inbound", {sync_policy::batch});
    if (!store) ::_exit(1);
    client c(options(std::move(*store)));
    c.on_message([&](const message_received&) { (void)!::write(handled[1], "h", 1); });
    c.start();
    c.connect();
    for (;;) ::pause();  // until SIGKILL
  }
  ::close(handled[1]);
  char h = 0;
  ASSERT_EQ(::read(handled[0], &h, 1), 1);  // the first subscriber handled it
  for (int i = 0; i < 500 && pubrecs == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(pubrecs, 1);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(handled[0]);

  std::atomic<int> handled_again{0};
  {
    auto opened = file_store::open(dir, "inbound", {sync_policy::batch});
    ASSERT_TRUE(opened);
    std::shared_ptr<file_store> store = std::move(*opened);
    EXPECT_EQ(store->load().inbound_qos2, std::vector<std::uint16_t>{7});  // held across the kill
    client c(options(store));
    c.on_message([&](const message_received&) { ++handled_again; });
    ASSERT_TRUE(connect_and_wait(c));
    for (int i = 0; i < 500 && pubcomps == 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(pubrecs, 2);   // the copy was acknowledged
    EXPECT_EQ(pubcomps, 1);  // and the flow completed
    EXPECT_EQ(handled_again, 0);
    EXPECT_TRUE(store->load().inbound_qos2.empty());  // released by PUBREL
  }
  std::filesystem::remove_all(dir);
}

// A full disk for real: a 64 KiB tmpfs, mounted in a mount namespace of a
// child process (needs root; skipped elsewhere). publish() fails with
// ENOSPC once the store cannot take a message, the client keeps running,
// nothing stored is lost, and publishing works again once space is freed.
TEST(ClientStore, AFullTmpfsFailsPublishAndLosesNothing) {
  pid_t child = ::fork();
  if (child == 0) {
    char tmpl[] = "/tmp/tern-tmpfs-XXXXXX";
    if (!::mkdtemp(tmpl)) ::_exit(70);
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tern-test", tmpl, "tmpfs", 0, "size=64k") != 0) {
      ::rmdir(tmpl);
      ::_exit(77);  // no privilege to mount: skipped
    }
    std::string dir = tmpl;
    auto fail = [&](int code) {
      ::umount(tmpl);
      ::rmdir(tmpl);
      ::_exit(code);
    };
    {  // room to give back later
      std::FILE* f = std::fopen((dir + "/filler").c_str(), "w");
      std::string block(16 * 1024, 'f');
      if (!f || std::fwrite(block.data(), 1, block.size(), f) != block.size() || std::fclose(f) != 0) fail(71);
    }
    std::size_t stored = 0;
    {
      auto store = file_store::open(dir, "full", {sync_policy::batch});
      if (!store) fail(72);
      client_options o;
      o.brokers = {"mqtt://127.0.0.1:1"};
      o.connect.client_id = "full";
      o.session.max_queued = 0;
      o.stop_linger = 0ms;
      o.store = std::move(*store);
      client c(o);  // never connected: every message stays stored
      std::string payload(1024, 'p');
      std::error_code ec;
      for (int i = 0; i < 1000 && !ec; ++i) {
        auto r = c.publish("t", payload, qos::at_least_once);
        if (r) ++stored;
        else ec = r.error();
      }
      if (ec != std::errc::no_space_on_device) fail(73);
      if (stored < 10) fail(74);
      if (!c.publish("t", "qos 0 is not stored", qos::at_most_once)) fail(75);
      if (::unlink((dir + "/filler").c_str()) != 0) fail(76);
      if (!c.publish("t", payload, qos::at_least_once)) fail(78);  // room again
      ++stored;
    }
    auto again = file_store::open(dir, "full");
    if (!again) fail(79);
    if ((*again)->load().messages.size() != stored) fail(80);
    if ((*again)->report().dropped_bytes != 0) fail(81);
    again->reset();
    fail(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's step that failed (see the test's exit codes)";
}

// A torn last record is dropped, the rest restored, and the loss logged with counts.
TEST(ClientStore, ADamagedStoreIsLoggedWithCountsAtConnect) {
  char tmpl[] = "/tmp/tern-client-store-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  {
    auto s = file_store::open(dir, "store-test");
    ASSERT_TRUE(s);
    store_update u;
    u.mid = 1;
    u.topic = "t";
    u.payload = as_bytes(std::string_view("kept"));
    u.qos = qos::at_least_once;
    ASSERT_FALSE((*s)->apply(u));
  }
  {
    std::ofstream out(dir + "/" + file_store::file_name("store-test") + ".tern-store", std::ios::binary | std::ios::app);
    out.write("\x40\x00\x00\x00torn", 8);
  }
  auto opened = file_store::open(dir, "store-test");
  ASSERT_TRUE(opened);
  recording_broker broker(true);
  std::mutex m;
  std::vector<std::string> warnings;
  client c(persistent_options(broker, std::move(*opened)));
  c.on_log([&](log_level level, std::string_view text) {
    std::lock_guard l(m);
    if (level == log_level::warning) warnings.emplace_back(text);
  });
  ASSERT_TRUE(connect_and_wait(c));
  ASSERT_TRUE(broker.wait_for(1));
  EXPECT_EQ(broker.publishes()[0].payload, "kept");
  std::lock_guard l(m);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find("1 records read, 0 skipped, 8 bytes dropped (last record cut short)"), std::string::npos)
      << warnings[0];
  std::filesystem::remove_all(dir);
}

// A store whose contents no session could have made.
class broken_store final : public message_store {
 public:
  stored_state load() const override {
    stored_state s;
    s.messages.push_back({0, message{"t", {}, qos::at_least_once, false}, 0, false});
    return s;
  }
  std::error_code apply(const store_update&) override { return {}; }
  std::error_code sync() override { return {}; }
  std::uint64_t durable_updates() const noexcept override { return 0; }
};

TEST(ClientStore, AStoreThatCannotBeRestoredIsReportedAtConnect) {
  recording_broker broker(true);
  client c(persistent_options(broker, std::make_shared<broken_store>()));
  auto down = std::make_shared<std::promise<std::error_code>>();
  c.on_disconnect([down](std::error_code ec) { down->set_value(ec); });
  c.start();
  c.connect();
  auto f = down->get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), errc::store_invalid);
  EXPECT_NE(std::string(c.last_error_detail()).find("message store"), std::string::npos) << c.last_error_detail();
  EXPECT_EQ(broker.broker.connections(), 0);
}

}  // namespace
}  // namespace tern::test::store_test
