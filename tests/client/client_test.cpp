// tern::client against the in-process fake broker: completions, dispatch,
// refusals and protocol violations (the client survives them).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "fake_broker.hpp"
#include "options_for.hpp"
#include "tern/client_options.hpp"
#include "tern/client_async.hpp"

namespace tern::test::client_test {
namespace {

using namespace std::chrono_literals;
using bytes = fake_broker::bytes;

bytes connack(std::uint8_t code = 0) { return fake_broker::wire(connack_view{false, code}); }

// Accepts, acknowledges every QoS 1/2 publish and every (un)subscription.
bytes cooperative(const packet_view& p) {
  if (std::holds_alternative<connect_view>(p)) return connack();
  if (auto* pub = std::get_if<publish_view>(&p)) {
    if (pub->qos == qos::at_least_once) return fake_broker::wire(puback{pub->packet_id});
    if (pub->qos == qos::exactly_once) return fake_broker::wire(pubrec{pub->packet_id});
  }
  if (auto* rel = std::get_if<pubrel>(&p)) return fake_broker::wire(pubcomp{rel->packet_id});
  if (auto* sub = std::get_if<subscribe_view>(&p)) {
    static const std::uint8_t granted[] = {1, 0x80};
    return fake_broker::wire(suback_view{sub->packet_id, std::span(granted, sub->entries.size())});
  }
  if (auto* un = std::get_if<unsubscribe_view>(&p)) return fake_broker::wire(unsuback{un->packet_id});
  return {};
}

// Starts `c`, connects it, and waits (5 s at most) for the CONNACK.
bool start_connected(client& c) {
  auto up = std::make_shared<std::promise<void>>();
  c.on_connect([up](bool, int) {
    try {
      up->set_value();
    } catch (const std::future_error&) {  // a reconnect: already told
    }
  });
  c.start();
  c.connect();
  return up->get_future().wait_for(5s) == std::future_status::ready;
}

TEST(Client, AsyncPublishCompletesThroughAFuture) {
  fake_broker broker(cooperative);
  client c(options_for(broker));
  c.start();
  c.connect();
  for (auto q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
    auto f = tern::async_publish(c, "a/b", {std::byte{1}}, q, false, asio::use_future);
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << static_cast<int>(q);
    EXPECT_GT(f.get(), 0u);
  }
  c.stop();
}

TEST(Client, InvalidTopicIsRefusedAtOnce) {
  fake_broker broker(cooperative);
  client c(options_for(broker));
  EXPECT_EQ(c.publish("a/+", "x").error(), errc::wildcard_in_topic_name);
  EXPECT_EQ(c.subscribe("a/#/b").error(), errc::misplaced_hash);
  c.start();
  auto f = tern::async_publish(c, "", {}, qos::at_least_once, false, asio::use_future);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_THROW(f.get(), std::system_error);
}

TEST(Client, SubscribeCompletesWithGrantedCodes) {
  fake_broker broker(cooperative);
  client c(options_for(broker));
  c.start();
  c.connect();
  auto f = tern::async_subscribe(c, {{"a/#", qos::at_least_once}, {"b", qos::exactly_once}}, asio::use_future);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), (std::vector<std::uint8_t>{1, 0x80}));
  // Once connected, requests go out at once too.
  auto again = tern::async_subscribe(c, {{"c", qos::at_most_once}}, asio::use_future);
  ASSERT_EQ(again.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(again.get(), (std::vector<std::uint8_t>{1}));
  auto u = tern::async_unsubscribe(c, {"a/#"}, asio::use_future);
  ASSERT_EQ(u.wait_for(5s), std::future_status::ready);
  EXPECT_NO_THROW(u.get());
}

TEST(Client, RequestsLeaveInTheOrderOfTheCalls) {
  // Publishes ride a batched outbox; a subscribe or unsubscribe made between
  // two publishes must not be overtaken by the second one (found through
  // tern_flask: publish, subscribe, publish put the second PUBLISH first).
  std::mutex m;
  std::vector<std::string> seen;
  fake_broker broker([&](const packet_view& p) -> bytes {
    std::lock_guard lock(m);
    if (auto* pub = std::get_if<publish_view>(&p)) seen.push_back("P " + std::string(pub->topic));
    if (auto* sub = std::get_if<subscribe_view>(&p)) seen.push_back("S " + std::string((*sub->entries.begin()).filter));
    if (auto* un = std::get_if<unsubscribe_view>(&p)) seen.push_back("U " + std::string(*un->filters.begin()));
    return cooperative(p);
  });
  client c(options_for(broker));
  ASSERT_TRUE(start_connected(c));
  std::vector<std::string> expected;
  for (int n = 0; n < 50; ++n) {
    auto k = std::to_string(n);
    ASSERT_TRUE(c.publish("a/" + k, "x"));
    ASSERT_TRUE(c.subscribe("s/" + k, qos::at_most_once));
    ASSERT_TRUE(c.publish("b/" + k, "x"));
    ASSERT_TRUE(c.unsubscribe("s/" + k));
    expected.insert(expected.end(), {"P a/" + k, "S s/" + k, "P b/" + k, "U s/" + k});
  }
  auto done = [&] {
    std::lock_guard lock(m);
    return seen.size() >= expected.size();
  };
  for (int n = 0; n < 500 && !done(); ++n) std::this_thread::sleep_for(10ms);
  std::lock_guard lock(m);
  EXPECT_EQ(seen, expected);
}

// A broker on a raw socket: accepts one client, answers its CONNECT, waits
// for its DISCONNECT (unless `at` says to go on right after the CONNACK),
// then runs `after` on the socket and closes it. The verdict is `after`'s.
class raw_broker {
 public:
  enum stage { after_disconnect, after_connack };
  explicit raw_broker(std::function<std::string(int fd)> after, stage at = after_disconnect) : at_(at) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, after = std::move(after)] { verdict_.set_value(serve(after)); });
  }
  ~raw_broker() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  std::string verdict() {
    auto f = verdict_.get_future();
    if (f.wait_for(10s) != std::future_status::ready) return "no verdict";
    thread_.join();
    return f.get();
  }

 private:
  std::string serve(const std::function<std::string(int)>& after) {
    int fd = ::accept(listener_, nullptr, nullptr);
    std::vector<unsigned char> in;
    unsigned char buf[512];
    auto read_until = [&](auto&& done) {
      while (!done()) {
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        in.insert(in.end(), buf, buf + n);
      }
      return true;
    };
    std::string result;
    const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
    if (!read_until([&] { return in.size() >= 2 && in.size() >= 2u + in[1]; })) result = "no CONNECT";
    else if (::send(fd, connack, sizeof connack, MSG_NOSIGNAL) < 0) result = "CONNACK not sent";
    else if (in.clear(); at_ == after_disconnect &&
                         !read_until([&] { return in.size() >= 2 && in[0] == 0xE0 && in[1] == 0x00; }))
      result = "no DISCONNECT";
    else result = after(fd);
    ::close(fd);
    return result;
  }

  stage at_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::promise<std::string> verdict_;
  std::thread thread_;
};

TEST(Client, DisconnectLingersUntilTheBrokerHasClosed) {
  // [MQTT-3.14.4-1] the client closes the connection after DISCONNECT. It
  // must not close with unread bytes in its socket: the kernel would send a
  // reset, which can make the broker drop the DISCONNECT it has not read yet
  // and publish the Will (seen with mosquitto, 6 times in 500). So after
  // DISCONNECT it half-closes and keeps reading until the broker closes: here
  // the broker's writes after the DISCONNECT must keep succeeding.
  raw_broker broker([](int fd) -> std::string {
    std::vector<unsigned char> junk(64 * 1024, 0x30);
    for (int round = 0; round < 2; ++round) {
      if (::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) < 0)
        return std::string("write failed: ") + std::strerror(errno);
      std::this_thread::sleep_for(100ms);  // time for a reset to come back
    }
    return "ok";
  });
  client c(options_for(broker.port()));
  ASSERT_TRUE(start_connected(c));
  c.disconnect();
  EXPECT_EQ(broker.verdict(), "ok");
  c.stop();
}

TEST(Client, DisconnectLingerEndsWhenTheBrokerCloses) {
  // The linger's end is the broker's end-of-stream, not its one-second
  // timeout: once the broker has closed, stop() is quick. (The client's own
  // pending read once took that end-of-stream, and stop() waited 1 s.)
  raw_broker broker([](int) -> std::string {
    std::this_thread::sleep_for(50ms);
    return "ok";
  });
  client c(options_for(broker.port()));
  ASSERT_TRUE(start_connected(c));
  c.disconnect();
  EXPECT_EQ(broker.verdict(), "ok");
  auto t0 = std::chrono::steady_clock::now();
  c.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 800ms);
}

// Larger than what loopback's socket buffers take while nobody reads.
constexpr std::size_t unbuffered_payload = 64 * 1024 * 1024;

// Connects `c` and publishes one QoS 0 message too large to be written
// before the broker reads; `published` counts on_publish. An invalid future
// when the connection failed.
std::future<message_id> publish_unbuffered(client& c, std::atomic<int>& published) {
  c.on_publish([&published](message_id) { ++published; });
  std::vector<std::byte> payload(unbuffered_payload);  // before connecting: slow under sanitizers
  if (!start_connected(c)) return {};
  return tern::async_publish(c, "big", std::move(payload), qos::at_most_once, false, asio::use_future);
}

TEST(Client, QoS0PublishCompletesWhenWrittenNotWhenQueued) {
  // "QoS 0 written": a publisher's window of QoS 0 messages must count what
  // still sits in the client's memory. The broker reads nothing until told;
  // the message cannot be written before that.
  std::promise<void> read_now;
  raw_broker broker(
      [&](int fd) -> std::string {
        read_now.get_future().wait();
        std::vector<unsigned char> buf(1 << 20);
        std::size_t total = 0;
        while (total < unbuffered_payload) {
          auto n = ::recv(fd, buf.data(), buf.size(), 0);
          if (n <= 0) return "closed early";
          total += static_cast<std::size_t>(n);
        }
        return "ok";
      },
      raw_broker::after_connack);
  client c(options_for(broker.port()));
  std::atomic<int> published{0};
  auto f = publish_unbuffered(c, published);
  ASSERT_TRUE(f.valid());
  EXPECT_EQ(f.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(published.load(), 0);
  read_now.set_value();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_GT(f.get(), 0u);
  EXPECT_EQ(published.load(), 1);
  EXPECT_EQ(broker.verdict(), "ok");
  c.stop();
}

TEST(Client, QoS0PublishNeverWrittenCompletesWithAnError) {
  // [MQTT-4.3.1-1] at most once: a QoS 0 message the link took down with it
  // is not re-sent, and its completion says it was lost (not on_publish).
  std::promise<void> published_call;
  raw_broker broker(
      [&](int) -> std::string {
        published_call.get_future().wait();
        return "ok";  // closes without reading the publish
      },
      raw_broker::after_connack);
  client c(options_for(broker.port()));
  std::atomic<int> published{0};
  auto f = publish_unbuffered(c, published);
  published_call.set_value();
  ASSERT_TRUE(f.valid());
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_THROW(f.get(), std::system_error);
  EXPECT_EQ(published.load(), 0);
  EXPECT_EQ(broker.verdict(), "ok");
  c.stop();
}

// The payloads of every PUBLISH the fake broker received, in order.
class publish_log {
 public:
  fake_broker::reply_fn recorder() {
    return [this](const packet_view& p) -> bytes {
      if (auto* pub = std::get_if<publish_view>(&p)) {
        std::lock_guard lock(m_);
        payloads_.emplace_back(reinterpret_cast<const char*>(pub->payload.data()), pub->payload.size());
      }
      return cooperative(p);
    };
  }
  std::vector<std::string> wait_for(std::size_t n) {
    for (int i = 0; i < 1000 && size() < n; ++i) std::this_thread::sleep_for(10ms);
    std::lock_guard lock(m_);
    return payloads_;
  }
  std::size_t size() {
    std::lock_guard lock(m_);
    return payloads_.size();
  }

 private:
  std::mutex m_;
  std::vector<std::string> payloads_;
};

TEST(Client, PublishLeavesFromTheCallersThreadWhenTheIoThreadIsNotNeeded) {
  // A publish made while the I/O thread has nothing of the client's to do is
  // written by the publishing thread itself (one wake-up less on the way
  // out). Here the I/O thread is held by a handler of the user's on the
  // client's strand: the message must reach the broker all the same.
  publish_log log;
  fake_broker broker(log.recorder());
  client c(options_for(broker));
  ASSERT_TRUE(start_connected(c));
  std::promise<void> release;
  std::promise<void> held;
  asio::post(tern::executor(c), [&] {
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  ASSERT_TRUE(c.publish("a", "while the I/O thread is held"));
  auto seen = log.wait_for(1);
  release.set_value();
  EXPECT_EQ(seen, std::vector<std::string>{"while the I/O thread is held"});
  c.stop();
}

TEST(Client, CallbacksOfAPublishWrittenByItsCallerStillRunOnTheIoThread) {
  fake_broker broker(cooperative);
  client c(options_for(broker));
  std::promise<std::thread::id> ran_on;
  c.on_publish([&](message_id) { ran_on.set_value(std::this_thread::get_id()); });
  ASSERT_TRUE(start_connected(c));
  std::this_thread::sleep_for(20ms);  // the I/O thread goes idle: the publish is written from here
  ASSERT_TRUE(c.publish("a", "x"));
  auto f = ran_on.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
  EXPECT_EQ(c.stats().messages_out, 1u);
  c.stop();
}

TEST(Client, PublishesFromManyThreadsKeepEachThreadsOrder) {
  // Callers write their own messages when they can and queue them when they
  // cannot (the I/O thread or another caller is busy): nothing is lost, and
  // each thread's messages reach the broker in the order it published them.
  publish_log log;
  fake_broker broker(log.recorder());
  auto o = options_for(broker);
  o.session.max_inflight = 8;  // QoS 1 publishes often find the window full
  o.session.max_queued = 0;    // and wait behind it, however many
  client c(o);
  ASSERT_TRUE(start_connected(c));
  constexpr int threads = 4, each = 500;
  std::vector<std::thread> publishers;
  for (int t = 0; t < threads; ++t) {
    publishers.emplace_back([&c, t] {
      for (int n = 0; n < each; ++n) {
        auto q = n % 3 == 0 ? qos::at_least_once : qos::at_most_once;
        ASSERT_TRUE(c.publish("t/" + std::to_string(t), std::to_string(t) + ":" + std::to_string(n), q, false));
      }
    });
  }
  for (auto& p : publishers) p.join();
  auto seen = log.wait_for(threads * each);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(threads * each));
  std::vector<int> next(threads, 0);
  for (const auto& p : seen) {
    auto colon = p.find(':');
    int t = std::stoi(p.substr(0, colon)), n = std::stoi(p.substr(colon + 1));
    EXPECT_EQ(n, next[t]) << "thread " << t;
    next[t] = n + 1;
  }
  c.stop();
}

TEST(Client, PublishFromACallbackGoesOutAfterIt) {
  // A callback runs on the I/O thread, inside the client's handling of a
  // batch: a publish made there is queued, never written on the spot.
  publish_log log;
  fake_broker broker(log.recorder());
  client c(options_for(broker));
  std::atomic<int> next{1};
  c.on_publish([&](message_id) {
    int n = next++;
    if (n < 50) c.publish("chain", std::to_string(n), qos::at_least_once, false);
  });
  ASSERT_TRUE(start_connected(c));
  ASSERT_TRUE(c.publish("chain", "0", qos::at_least_once, false));
  auto seen = log.wait_for(50);
  ASSERT_EQ(seen.size(), 50u);
  for (int n = 0; n < 50; ++n) EXPECT_EQ(seen[n], std::to_string(n));
  c.stop();
}

TEST(Client, APublishAfterDisconnectDoesNotLeaveBeforeIt) {
  // disconnect() takes its place among the requests: the publish made after
  // it must not be written first (not even by its caller, inline).
  fake_broker broker(cooperative);
  client c(options_for(broker));
  ASSERT_TRUE(start_connected(c));
  for (int n = 0; n < 100 && broker.received().size() < 1; ++n) std::this_thread::sleep_for(10ms);
  c.disconnect();
  ASSERT_TRUE(c.publish("after", "disconnect"));
  for (int n = 0; n < 500 && broker.received().size() < 2; ++n) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);  // room for a stray PUBLISH to arrive
  EXPECT_EQ(broker.received(), (std::vector<packet_type>{packet_type::connect, packet_type::disconnect}));
  c.stop();
}

TEST(Client, ReconnectsEvenWhenTheClosedConnectionsLastWriteHangs) {
  // The broker breaks the protocol (a second CONNACK) while the client is
  // writing a message it will never read. The session closes at once, the
  // write stays under way; the reconnect must happen all the same. (It used
  // to be skipped: the reconnect timer found the old stream still there.)
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 2), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::promise<void> writing;
  std::atomic<int> accepted{0};
  std::vector<int> fds;
  std::thread server([&] {
    const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
    auto take_connect = [](int fd) {
      unsigned char head[2];
      if (::recv(fd, head, 2, MSG_WAITALL) != 2) return false;
      std::vector<unsigned char> rest(head[1]);
      return ::recv(fd, rest.data(), rest.size(), MSG_WAITALL) == static_cast<ssize_t>(rest.size());
    };
    for (int n = 0; n < 2; ++n) {
      int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) return;
      fds.push_back(fd);
      ++accepted;
      if (!take_connect(fd) || ::send(fd, connack, sizeof connack, MSG_NOSIGNAL) < 0) return;
      if (n == 0) {
        writing.get_future().wait();
        ::send(fd, connack, sizeof connack, MSG_NOSIGNAL);  // a protocol violation; nothing is read again
      }
    }
  });
  auto o = options_for(ntohs(addr.sin_port));
  o.reconnect.enabled = true;
  o.reconnect.min_delay = 50ms;
  o.reconnect.max_delay = 100ms;
  client c(o);
  std::atomic<int> connects{0};
  c.on_connect([&](bool, int) { ++connects; });
  std::vector<std::byte> payload(unbuffered_payload);
  c.start();
  c.connect();
  for (int n = 0; n < 500 && connects == 0; ++n) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(connects.load(), 1);
  auto f = tern::async_publish(c, "big", std::move(payload), qos::at_most_once, false, asio::use_future);
  std::this_thread::sleep_for(50ms);  // the write fills the socket buffers and waits
  writing.set_value();
  for (int n = 0; n < 500 && connects < 2; ++n) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(connects.load(), 2);
  EXPECT_EQ(accepted.load(), 2);
  bool completed = f.wait_for(5s) == std::future_status::ready;
  EXPECT_TRUE(completed);
  if (completed) {
    EXPECT_THROW(f.get(), std::system_error);  // never fully written: lost [MQTT-4.3.1-1]
  }
  c.stop();
  ::shutdown(listener, SHUT_RDWR);
  server.join();
  for (int fd : fds) ::close(fd);
  ::close(listener);
}

TEST(Client, ReadsThatShrinkTheReceiveBufferLoseNothing) {
  // 64 KiB of messages with the SUBACK grow the buffer; then each echo of a
  // publish is a light read, and after a few of them the buffer shrinks.
  constexpr int echoes = 40;
  fake_broker broker([](const packet_view& p) -> bytes {
    if (std::holds_alternative<connect_view>(p)) return connack();
    if (auto* sub = std::get_if<subscribe_view>(&p)) {
      static const std::uint8_t granted[] = {0};
      auto out = fake_broker::wire(suback_view{sub->packet_id, std::span(granted, 1)});
      std::string big(1000, 'b');
      for (int i = 0; i < 64; ++i) {
        auto m = fake_broker::wire(publish_view{"burst", as_bytes(big), qos::at_most_once, false, false, 0});
        out.insert(out.end(), m.begin(), m.end());
      }
      return out;
    }
    if (auto* pub = std::get_if<publish_view>(&p))
      return fake_broker::wire(publish_view{"echo", pub->payload, qos::at_most_once, false, false, 0});
    return {};
  });
  client c(options_for(broker));
  std::mutex m;
  std::condition_variable cv;
  int burst = 0;
  std::vector<std::string> echoed;
  c.on_message([&](const message_received& msg) {
    std::lock_guard lock(m);
    if (msg.topic == "burst") ++burst;
    else echoed.emplace_back(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size());
    cv.notify_all();
  });
  ASSERT_TRUE(start_connected(c));
  ASSERT_TRUE(c.subscribe("burst"));
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return burst == 64; })) << burst << " of the burst's 64";
  }
  for (int i = 0; i < echoes; ++i) {  // one at a time: each echo is a read of its own
    ASSERT_TRUE(c.publish("out", std::to_string(i)));
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return echoed.size() == static_cast<std::size_t>(i + 1); }))
        << "echo " << i << " never arrived";
    EXPECT_EQ(echoed.back(), std::to_string(i));
  }
  c.stop();
}

TEST(Client, TopicHandlersTakeMatchingMessagesBeforeOnMessage) {
  fake_broker broker([](const packet_view& p) -> bytes {
    if (!std::holds_alternative<connect_view>(p)) return {};
    auto out = connack();
    for (auto t : {"sensors/1/temp", "other"}) {
      auto m = fake_broker::wire(publish_view{t, as_bytes("v"), qos::at_most_once, false, false, 0});
      out.insert(out.end(), m.begin(), m.end());
    }
    return out;
  });
  client c(options_for(broker));
  std::promise<std::string> by_handler, by_fallback;
  ASSERT_TRUE(c.add_topic_handler("sensors/+/temp", [&](const message_received& m) {
    by_handler.set_value(std::string(m.topic));
  }));
  c.on_message([&](const message_received& m) { by_fallback.set_value(std::string(m.topic)); });
  c.start();
  c.connect();
  auto h = by_handler.get_future();
  auto f = by_fallback.get_future();
  ASSERT_EQ(h.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(h.get(), "sensors/1/temp");
  EXPECT_EQ(f.get(), "other");
}

TEST(Client, BatchEndRunsOnceAfterTheCallbacksOfOneRead) {
  // The CONNACK and five messages in one write: one read, one batch.
  fake_broker broker([](const packet_view& p) -> bytes {
    if (!std::holds_alternative<connect_view>(p)) return {};
    auto out = connack();
    for (int i = 0; i < 5; ++i) {
      auto m = fake_broker::wire(publish_view{"t", as_bytes("v"), qos::at_most_once, false, false, 0});
      out.insert(out.end(), m.begin(), m.end());
    }
    return out;
  });
  client c(options_for(broker));
  std::mutex m;
  std::string events;
  std::promise<void> got_all;
  int messages = 0;
  c.on_connect([&](bool, int) {
    std::lock_guard lock(m);
    events += 'c';
  });
  c.on_message([&](const message_received&) {
    std::lock_guard lock(m);
    events += 'm';
    if (++messages == 5) got_all.set_value();
  });
  c.on_batch_end([&] {
    std::lock_guard lock(m);
    events += 'e';
  });
  c.start();
  c.connect();
  ASSERT_EQ(got_all.get_future().wait_for(5s), std::future_status::ready);
  std::string seen;
  for (int n = 0; n < 500; ++n) {
    {
      std::lock_guard lock(m);
      seen = events;
    }
    if (seen.back() == 'e') break;
    std::this_thread::sleep_for(10ms);
  }
  auto first = seen.find('m');
  auto last = seen.rfind('m');
  EXPECT_EQ(seen.substr(first, last - first + 1), "mmmmm") << seen;  // no batch end inside the read's messages
  EXPECT_EQ(seen.substr(last + 1, 1), "e") << seen;                  // one right after them
  c.stop();
}

// Echoes each QoS 0 PUBLISH back on topic "echo", at once.
bytes echo_publishes(const packet_view& p) {
  if (std::holds_alternative<connect_view>(p)) return connack();
  if (auto* pub = std::get_if<publish_view>(&p))
    return fake_broker::wire(publish_view{"echo", pub->payload, qos::at_most_once, false, false, 0});
  return {};
}

// What a read_interval test sees: each message's payload with the time it
// was handed over, and the batch ends between them.
struct arrivals {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> messages;
  std::string events;  // 'm' per message, 'e' per batch end

  void attach(client& c) {
    c.on_message([this](const message_received& msg) {
      std::lock_guard lock(m);
      messages.emplace_back(std::string(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size()),
                            std::chrono::steady_clock::now());
      events += 'm';
      cv.notify_all();
    });
    c.on_batch_end([this] {
      std::lock_guard lock(m);
      if (!events.empty() && events.back() == 'm') events += 'e';
    });
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, limit, [&] { return messages.size() >= n; });
  }
  std::chrono::steady_clock::time_point at(std::size_t i) {
    std::lock_guard lock(m);
    return messages.at(i).second;
  }
};

// A client reading at most once per `interval`, against a broker that
// echoes its publishes; connect() returns once the interval that follows
// the CONNACK's read is over.
struct echo_with_interval {
  explicit echo_with_interval(std::chrono::milliseconds interval) : interval(interval), c([&] {
    auto o = options_for(broker);
    o.read_interval = interval;
    return o;
  }()) {
    got.attach(c);
  }
  bool connect() {
    if (!start_connected(c)) return false;
    std::this_thread::sleep_for(interval + 200ms);
    return true;
  }
  std::chrono::milliseconds interval;
  fake_broker broker{echo_publishes};
  arrivals got;  // before the client: its callbacks write here until it is gone
  client c;
};

TEST(Client, ReadIntervalHandsOverWhatArrivesWithinItTogether) {
  echo_with_interval e(400ms);
  auto& c = e.c;
  auto& got = e.got;
  ASSERT_TRUE(e.connect());
  ASSERT_TRUE(c.publish("out", std::string("a")));
  ASSERT_TRUE(got.wait_for(1, 5s));
  // Echoed within the interval that began with the read of "a": they wait
  // for its end, and come in one read, one batch.
  ASSERT_TRUE(c.publish("out", std::string("b")));
  ASSERT_TRUE(c.publish("out", std::string("c")));
  ASSERT_TRUE(got.wait_for(3, 5s));
  EXPECT_GE(got.at(1) - got.at(0), 390ms) << "b was read before the interval was over";
  std::this_thread::sleep_for(100ms);  // the batch end follows the messages
  c.stop();
  EXPECT_EQ(got.events, "memme");
  EXPECT_EQ(got.messages[1].first, "b");
  EXPECT_EQ(got.messages[2].first, "c");
}

TEST(Client, ReadIntervalReadsAtOnceAfterAQuietSpell) {
  echo_with_interval e(300ms);
  auto& c = e.c;
  auto& got = e.got;
  ASSERT_TRUE(e.connect());
  ASSERT_TRUE(c.publish("out", std::string("a")));
  ASSERT_TRUE(got.wait_for(1, 5s));
  std::this_thread::sleep_for(600ms);  // the interval is over: a read waits for bytes
  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.publish("out", std::string("b")));
  ASSERT_TRUE(got.wait_for(2, 5s));
  // Generous for a loaded machine, but under the interval: not held back.
  EXPECT_LT(got.at(1) - sent, 250ms);
  c.stop();
}

TEST(Client, ReadIntervalNeverHoldsALargePacketBack) {
  // 300 KB: 19 reads or more (the buffer grows to 16 KiB at most), each
  // filling the buffer or ending inside the packet. With the interval after
  // each, it would take over 9 s.
  echo_with_interval e(500ms);
  auto& c = e.c;
  auto& got = e.got;
  ASSERT_TRUE(e.connect());
  std::string big(300 * 1000, 'x');
  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.publish("out", big));
  ASSERT_TRUE(got.wait_for(1, 20s));
  EXPECT_LT(got.at(0) - sent, 3s);
  c.stop();
  EXPECT_EQ(got.messages[0].first.size(), big.size());
}

TEST(Client, ReadIntervalReadsTheRestOfAPacketAtOnce) {
  // A broker that writes a PUBLISH in two pieces, 50 ms apart: the read of
  // the first ends inside the packet, and the rest must not wait for the
  // interval (1 s) to be over.
  auto publish = fake_broker::wire(publish_view{"t", as_bytes(std::string(1000, 'p')), qos::at_most_once, false, false, 0});
  std::promise<std::chrono::steady_clock::time_point> first_piece;
  std::promise<void> delivered;
  raw_broker broker(
      [&](int fd) -> std::string {
        std::this_thread::sleep_for(1500ms);  // the interval after the CONNACK's read is over
        first_piece.set_value(std::chrono::steady_clock::now());
        ::send(fd, publish.data(), 300, MSG_NOSIGNAL);
        std::this_thread::sleep_for(50ms);
        ::send(fd, publish.data() + 300, publish.size() - 300, MSG_NOSIGNAL);
        delivered.get_future().wait_for(10s);  // the connection stays until then
        return "";
      },
      raw_broker::after_connack);
  auto o = options_for(broker);
  o.read_interval = 1s;
  client c(o);
  arrivals got;
  got.attach(c);
  c.start();
  c.connect();
  auto sent = first_piece.get_future();
  bool arrived = got.wait_for(1, 10s);
  delivered.set_value();
  EXPECT_TRUE(arrived);
  if (arrived) {
    EXPECT_LT(got.at(0) - sent.get(), 700ms) << "the rest of the packet waited for the interval";
  }
  EXPECT_EQ(broker.verdict(), "");
  c.stop();
}

// A broker that sends QoS 0 PUBLISHes with payloads "0", "1", ... once
// `wait` after the CONNACK, each at its own time (`due(i)` from the first),
// in a write of its own; it records when each left in `sent`.
struct timed_stream {
  timed_stream(std::size_t count, std::chrono::milliseconds wait,
               std::function<std::chrono::steady_clock::duration(std::size_t)> due)
      : sent(count), broker(
                         [this, count, wait, due](int fd) -> std::string {
                           std::this_thread::sleep_for(wait);
                           auto t0 = std::chrono::steady_clock::now();
                           for (std::size_t i = 0; i < count; ++i) {
                             std::this_thread::sleep_until(t0 + due(i));
                             auto text = std::to_string(i);
                             auto p = fake_broker::wire(
                                 publish_view{"t", as_bytes(text), qos::at_most_once, false, false, 0});
                             sent[i] = std::chrono::steady_clock::now();
                             if (::send(fd, p.data(), p.size(), MSG_NOSIGNAL) < 0) return "send failed";
                           }
                           done.get_future().wait_for(30s);  // the connection stays until then
                           return "";
                         },
                         raw_broker::after_connack) {}
  std::vector<std::chrono::steady_clock::time_point> sent;
  std::promise<void> done;
  raw_broker broker;
};

template <class Broker>
client_options adaptive_interval(const Broker& broker, std::chrono::milliseconds longest) {
  auto o = options_for(broker);
  o.read_interval = longest;
  o.adaptive_read_interval = true;
  return o;
}

// A client with an adaptive read interval, connecting to `broker`, and
// what it receives.
struct adaptive_receiver {
  template <class Broker>
  adaptive_receiver(const Broker& broker, std::chrono::milliseconds longest) : c(adaptive_interval(broker, longest)) {
    got.attach(c);
    c.start();
    c.connect();
  }
  arrivals got;  // before the client: its callbacks write here until it is gone
  client c;
};

// Publishes `count` QoS 1 messages one after another, each once the one
// before it is acknowledged; returns how long they took (a failure ends
// the test's expectations: each waits at most 5 s).
std::chrono::steady_clock::duration publish_one_by_one(client& c, int count) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto acked = std::make_shared<std::promise<std::error_code>>();
    auto f = acked->get_future();
    EXPECT_TRUE(c.publish("out", std::string("x"), qos::at_least_once, false,
                          [acked](std::error_code ec, message_id) { acked->set_value(ec); }));
    if (f.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "publish " << i << " not acknowledged";
      break;
    }
    EXPECT_FALSE(f.get()) << "publish " << i;
  }
  return std::chrono::steady_clock::now() - start;
}

TEST(Client, AdaptiveReadIntervalHoldsADenseStream) {
  // 600 messages, one a millisecond, the longest hold 100 ms: 4 or more
  // fill it, so once the averages show the stream the reads are held for
  // about 32 messages each.
  constexpr std::size_t count = 600;
  timed_stream s(count, 300ms, [](std::size_t i) { return i * 1ms; });
  adaptive_receiver r(s.broker, 100ms);
  auto& [got, c] = r;
  bool arrived = got.wait_for(count, 20s);
  std::this_thread::sleep_for(100ms);  // the last batch's end
  s.done.set_value();
  c.stop();
  ASSERT_TRUE(arrived);
  for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(got.messages[i].first, std::to_string(i));
  auto batches = std::count(got.events.begin(), got.events.end(), 'e');
  EXPECT_LT(batches, 120) << "read one by one: " << got.events;
  EXPECT_EQ(s.broker.verdict(), "");
}

TEST(Client, AdaptiveReadIntervalDoesNotHoldMessagesCloseTogetherInASlowStream) {
  // Pairs of messages 20 ms apart, every 400 ms: a fixed interval of 200 ms
  // would hold each pair's second message for about 180 ms after the read
  // of the first; the stream (5 msgs/s) is far too slow to fill a hold.
  constexpr std::size_t count = 12;
  timed_stream s(count, 300ms, [](std::size_t i) { return (i / 2) * 400ms + (i % 2) * 20ms; });
  adaptive_receiver r(s.broker, 200ms);
  auto& [got, c] = r;
  bool arrived = got.wait_for(count, 20s);
  s.done.set_value();
  c.stop();
  ASSERT_TRUE(arrived);
  for (std::size_t i = 1; i < count; i += 2)
    EXPECT_LT(got.at(i) - s.sent[i], 120ms) << "message " << i << " was held";
  EXPECT_EQ(s.broker.verdict(), "");
}

TEST(Client, AdaptiveReadIntervalDoesNotHoldAcknowledgements) {
  // A publisher that waits for each PUBACK reads them one by one, in quick
  // succession. Counted as a stream, 4 or more would fill the 100 ms hold
  // and each would wait about 32 PUBACKs' time (300 of them: seconds).
  fake_broker broker{cooperative};
  client c(adaptive_interval(broker, 100ms));
  ASSERT_TRUE(start_connected(c));
  EXPECT_LT(publish_one_by_one(c, 300), 5s);  // counted, 7-14 s
  c.stop();
}

// A broker that streams QoS 0 PUBLISHes at 250 msgs/s once connected (for
// 10 s at most), and answers what the client asks meanwhile: a PUBACK for
// each QoS 1 PUBLISH, a SUBACK for each SUBSCRIBE, an UNSUBACK for each
// UNSUBSCRIBE, a PINGRESP for each PINGREQ, a PUBREL for each PUBREC (of a
// QoS 2 message sent by `send_qos2`). With a longest hold of 200 ms (a hold
// would gather 50), the client's reads are held for about 128 ms.
struct held_stream {
  held_stream()
      : broker(
            [this](int fd) -> std::string {
              connection = fd;
              std::thread replier([&] { reply(fd); });
              auto t0 = std::chrono::steady_clock::now();
              for (int i = 0; i < 2500 && !stop; ++i) {
                std::this_thread::sleep_until(t0 + i * 4ms);
                auto p = fake_broker::wire(publish_view{"t", as_bytes(std::string("m")), qos::at_most_once, false, false, 0});
                std::lock_guard lock(write_m);
                ::send(fd, p.data(), p.size(), MSG_NOSIGNAL);
              }
              ::shutdown(fd, SHUT_RDWR);  // ends the replier's recv
              replier.join();
              return "";
            },
            raw_broker::after_connack) {}

  void reply(int fd) {
    std::vector<unsigned char> in;
    unsigned char buf[512];
    for (;;) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.insert(in.end(), buf, buf + n);
      // Whole packets only; remaining lengths under 128 (one byte) here.
      while (in.size() >= 2 && in.size() >= 2u + in[1]) {
        std::size_t len = 2u + in[1];
        std::vector<unsigned char> answer;
        if ((in[0] & 0xF6) == 0x32) {  // PUBLISH, QoS 1
          std::size_t topic = (std::size_t{in[2]} << 8) | in[3];
          answer = {0x40, 0x02, in[4 + topic], in[5 + topic]};
        } else if (in[0] == 0x82) {  // SUBSCRIBE of one filter: granted QoS 0
          answer = {0x90, 0x03, in[2], in[3], 0x00};
        } else if (in[0] == 0xA2) {
          answer = {0xB0, 0x02, in[2], in[3]};
        } else if (in[0] == 0xC0) {
          answer = {0xD0, 0x00};
        } else if (in[0] == 0x50) {  // PUBREC
          answer = {0x62, 0x02, in[2], in[3]};
          released = std::chrono::steady_clock::now();
        } else if (in[0] == 0x70) {  // PUBCOMP
          std::lock_guard lock(qos2_m);
          completions.push_back(std::chrono::steady_clock::now() - released);
          qos2_cv.notify_all();
        }
        if (!answer.empty()) {
          std::lock_guard lock(write_m);
          ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        }
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(len));
      }
    }
  }

  // Sends a QoS 2 PUBLISH with packet id `id`, and waits (5 s at most)
  // for the client's PUBCOMP; returns false when it did not come.
  bool send_qos2(std::uint16_t id) {
    std::unique_lock lock(qos2_m);
    auto before = completions.size();
    auto p = fake_broker::wire(publish_view{"t", as_bytes(std::string("q")), qos::exactly_once, false, false, id});
    {
      std::lock_guard write(write_m);
      ::send(connection, p.data(), p.size(), MSG_NOSIGNAL);
    }
    return qos2_cv.wait_for(lock, 5s, [&] { return completions.size() > before; });
  }

  // A failed assertion ends a test early: the stream must end with it.
  ~held_stream() { stop = true; }

  std::atomic<bool> stop{false};
  std::atomic<int> connection{-1};
  std::mutex write_m;
  std::mutex qos2_m;
  std::condition_variable qos2_cv;
  std::chrono::steady_clock::time_point released;  ///< the replier's own
  std::vector<std::chrono::steady_clock::duration> completions;  ///< PUBREL to PUBCOMP, under qos2_m
  raw_broker broker;
};

// A client with an adaptive read interval of at most 200 ms, receiving a
// held_stream: once the stream is under way, its reads are held.
class AdaptiveReadIntervalUnderAHeldStream : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(r.got.wait_for(100, 10s)) << "the stream did not start"; }
  void TearDown() override {
    s.stop = true;
    c.stop();
    EXPECT_EQ(s.broker.verdict(), "");
  }
  held_stream s;
  adaptive_receiver r{s.broker, 200ms};
  client& c = r.c;
};

TEST_F(AdaptiveReadIntervalUnderAHeldStream, DoesNotHoldAcknowledgements) {
  // A publisher on the same client waits for each PUBACK: held with the
  // stream, each would take up to a hold.
  EXPECT_LT(publish_one_by_one(c, 50), 1500ms);  // held, 50 PUBACKs would take 3-6 s
}

TEST_F(AdaptiveReadIntervalUnderAHeldStream, DoesNotHoldSubacksOrUnsubacks) {
  // Subscribing and unsubscribing, each waiting for the broker's answer:
  // held with the stream, each answer would wait for the hold to end.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 25; ++i) {
    auto subscribed = std::make_shared<std::promise<std::error_code>>();
    auto unsubscribed = std::make_shared<std::promise<std::error_code>>();
    auto f = subscribed->get_future();
    auto g = unsubscribed->get_future();
    EXPECT_TRUE(c.subscribe({{"s", qos::at_most_once}},
                            [subscribed](std::error_code ec, std::vector<std::uint8_t>) { subscribed->set_value(ec); }));
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << "subscription " << i;
    EXPECT_FALSE(f.get());
    EXPECT_TRUE(c.unsubscribe({"s"}, [unsubscribed](std::error_code ec) { unsubscribed->set_value(ec); }));
    ASSERT_EQ(g.wait_for(5s), std::future_status::ready) << "unsubscription " << i;
    EXPECT_FALSE(g.get());
  }
  // Held, 50 answers took 6.5 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(AdaptiveReadIntervalUnderAHeldStream, DoesNotHoldPubrels) {
  // The broker's QoS 2 messages to the client, each once the one before it
  // is complete: held with the stream, each PUBREL would wait for the hold
  // under way to end before the client's PUBCOMP, and the broker's window
  // with it.
  for (std::uint16_t id = 1; id <= 10; ++id) ASSERT_TRUE(s.send_qos2(id)) << "message " << id;
  std::chrono::steady_clock::duration total{};
  {
    std::lock_guard lock(s.qos2_m);
    for (auto w : s.completions) total += w;
  }
  EXPECT_LT(total, 600ms);  // held, 10 took 1.3 s
}

TEST(Client, AdaptiveReadIntervalDoesNotHoldPingrespsUnderAHeldStream) {
  // A keep-alive of 1 s sends a PINGREQ every second (the client sends
  // nothing else). Held with the stream, each PINGRESP would wait for a
  // hold to end.
  held_stream s;
  auto o = adaptive_interval(s.broker, 200ms);
  o.connect.keep_alive = 1;
  o.session.log_mask = log_level::debug | log_level::err;
  // Before the client: its callbacks write here until it is gone.
  arrivals got;
  std::mutex m;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> lines;
  client c(o);
  got.attach(c);
  c.on_log([&](log_level, std::string_view line) {
    if (line != "Sending PINGREQ" && line != "Received PINGRESP") return;
    std::lock_guard lock(m);
    lines.emplace_back(line, std::chrono::steady_clock::now());
  });
  c.start();
  c.connect();
  EXPECT_TRUE(got.wait_for(100, 10s));  // the stream is under way, and held
  std::this_thread::sleep_for(3500ms);  // 3 PINGREQs
  s.stop = true;
  c.stop();
  std::lock_guard lock(m);
  std::vector<std::chrono::steady_clock::duration> waits;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (lines[i].first == "Sending PINGREQ" && lines[i + 1].first == "Received PINGRESP")
      waits.push_back(lines[i + 1].second - lines[i].second);
  ASSERT_GE(waits.size(), 3u);
  std::chrono::steady_clock::duration total{};
  for (auto w : waits) total += w;
  // Held, each took about 130 ms (a hold).
  EXPECT_LT(total, 50ms * waits.size());
  EXPECT_EQ(s.broker.verdict(), "");
}

TEST(Client, RefusedConnectIsReportedAndNotRetried) {
  fake_broker broker([](const packet_view& p) -> bytes {
    return std::holds_alternative<connect_view>(p) ? connack(5) : bytes{};
  });
  auto o = options_for(broker);
  o.reconnect.enabled = true;
  o.reconnect.min_delay = 10ms;
  client c(o);
  std::promise<std::error_code> closed;
  std::once_flag once;
  c.on_disconnect([&](std::error_code ec) { std::call_once(once, [&] { closed.set_value(ec); }); });
  c.start();
  c.connect();
  auto f = closed.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), connack_error::not_authorized);
  EXPECT_EQ(c.last_error(), connack_error::not_authorized);
  std::this_thread::sleep_for(300ms);  // 30 back-off periods: a storm would show here
  EXPECT_EQ(broker.connections(), 1);
}

TEST(Client, ProtocolViolationClosesTheConnectionAndTheClientSurvives) {
  // CONNACK, then a packet type 0: malformed [MQTT-4.8.0-1].
  fake_broker broker([](const packet_view& p) -> bytes {
    if (!std::holds_alternative<connect_view>(p)) return {};
    auto out = connack();
    out.push_back(std::byte{0x00});
    out.push_back(std::byte{0x00});
    return out;
  });
  client c(options_for(broker));
  std::promise<std::error_code> closed;
  c.on_disconnect([&](std::error_code ec) { closed.set_value(ec); });
  c.start();
  c.connect();
  auto f = closed.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), errc::reserved_packet_type);
  EXPECT_FALSE(c.is_connected());
  // Still usable: publishing queues while offline.
  EXPECT_TRUE(c.publish("a/b", "x", qos::at_least_once));
}

TEST(Client, FailoverToTheNextBroker) {
  fake_broker broker(cooperative);
  // A port with nothing listening: bind and close to get one.
  std::uint16_t dead;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    dead = a.local_endpoint().port();
  }
  auto o = options_for(broker);
  o.brokers = {"mqtt://127.0.0.1:" + std::to_string(dead), o.brokers.front()};
  client c(o);
  ASSERT_TRUE(start_connected(c));
  EXPECT_EQ(broker.connections(), 1);
}

}  // namespace
}  // namespace tern::test::client_test

namespace tern::test::client_test {
namespace {

TEST(Client, RunsOnTheCallersIoContextAndSupportsCoAwait) {
#if !defined(ASIO_HAS_CO_AWAIT)
  GTEST_SKIP() << "Asio offers no co_await with this compiler and standard library (clang 14 with libstdc++)";
#else
  fake_broker broker(cooperative);
  asio::io_context io;
  client c(io, options_for(broker));
  std::promise<message_id> got;
  c.connect();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<std::byte> payload(1, std::byte{7});
        auto mid = co_await tern::async_publish(c, "a/b", std::move(payload), qos::exactly_once, false, asio::use_awaitable);
        got.set_value(mid);
        c.disconnect();
      },
      asio::detached);
  std::thread runner([&] { io.run_for(std::chrono::seconds(5)); });
  auto f = got.get_future();
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_GT(f.get(), 0u);
  runner.join();
#endif
}

}  // namespace
}  // namespace tern::test::client_test
