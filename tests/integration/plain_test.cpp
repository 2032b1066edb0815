// Plain TCP against a real mosquitto: QoS 0/1/2 round trips with MQTT 3.1
// and 3.1.1, retained messages, a 1 MiB payload and 10,000 QoS 1 messages
// in order. One broker for the suite; each test uses its own topics.

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/use_future.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"
#include "tern/client_options.hpp"
#include "tern/client_async.hpp"

namespace tern::test::plain_test {
namespace {

class PlainTcp : public broker_suite<PlainTcp> {
 protected:
  static void SetUpTestSuite() { start_broker({}); }

  static client_options options(const std::string& id) { return make_options(broker_->url(), id); }
};

struct round_trip_case {
  protocol_version version;
  qos q;
};

class PlainTcpRoundTrip : public PlainTcp, public testing::WithParamInterface<round_trip_case> {};

TEST_P(PlainTcpRoundTrip, PublishedMessagesComeBackWithTheirQos) {
  auto [version, q] = GetParam();
  std::string tag = "v" + std::to_string(static_cast<int>(version)) + "q" + std::to_string(static_cast<int>(q));
  std::string topic = "plain/round_trip/" + tag;

  auto so = options("sub-" + tag);
  so.connect.version = version;
  test_client sub(so);
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe(topic, q));

  auto po = options("pub-" + tag);
  po.connect.version = version;
  test_client pub(po);
  ASSERT_TRUE(pub.connect());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pub.publish(topic, "message " + std::to_string(i), q));

  ASSERT_TRUE(sub.wait_messages(3));
  auto l = sub.lock();
  ASSERT_EQ(sub.messages.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto& m = sub.messages[static_cast<std::size_t>(i)];
    EXPECT_EQ(m.topic, topic);
    EXPECT_EQ(m.payload, "message " + std::to_string(i));
    EXPECT_EQ(m.qos, q) << "subscribed and published with the same QoS";
    EXPECT_FALSE(m.retain);
    EXPECT_FALSE(m.dup);
  }
  EXPECT_TRUE(sub.disconnects.empty()) << to_string(sub.disconnects);
}

INSTANTIATE_TEST_SUITE_P(BothVersions, PlainTcpRoundTrip,
                         testing::Values(round_trip_case{protocol_version::v3_1, qos::at_most_once},
                                         round_trip_case{protocol_version::v3_1, qos::at_least_once},
                                         round_trip_case{protocol_version::v3_1, qos::exactly_once},
                                         round_trip_case{protocol_version::v3_1_1, qos::at_most_once},
                                         round_trip_case{protocol_version::v3_1_1, qos::at_least_once},
                                         round_trip_case{protocol_version::v3_1_1, qos::exactly_once}),
                         [](const testing::TestParamInfo<round_trip_case>& i) {
                           return std::string(i.param.version == protocol_version::v3_1 ? "Mqtt31" : "Mqtt311") +
                                  "Qos" + std::to_string(static_cast<int>(i.param.q));
                         });

TEST_F(PlainTcp, RetainedMessageReachesLaterSubscribersUntilCleared) {
  const std::string topic = "plain/retained";
  test_client pub(options("pub-retained"));
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(pub.publish(topic, "kept", qos::at_least_once, true));

  {
    test_client late(options("sub-retained-1"));
    ASSERT_TRUE(late.connect());
    ASSERT_TRUE(late.subscribe(topic, qos::at_least_once));
    ASSERT_TRUE(late.wait_messages(1));
    auto l = late.lock();
    EXPECT_EQ(late.messages[0].payload, "kept");
    EXPECT_TRUE(late.messages[0].retain) << "a retained message sent because of a new subscription [MQTT-3.3.1-8]";
  }

  // A live subscriber gets retained publishes with RETAIN 0 [MQTT-3.3.1-9].
  test_client live(options("sub-retained-live"));
  ASSERT_TRUE(live.connect());
  ASSERT_TRUE(live.subscribe(topic, qos::at_least_once));
  ASSERT_TRUE(live.wait_messages(1));  // the retained one
  ASSERT_TRUE(pub.publish(topic, "kept 2", qos::at_least_once, true));
  ASSERT_TRUE(live.wait_messages(2));
  {
    auto l = live.lock();
    EXPECT_EQ(live.messages[1].payload, "kept 2");
    EXPECT_FALSE(live.messages[1].retain);
  }

  // An empty retained payload clears it [MQTT-3.3.1-10].
  ASSERT_TRUE(pub.publish(topic, "", qos::at_least_once, true));
  test_client later(options("sub-retained-2"));
  ASSERT_TRUE(later.connect());
  ASSERT_TRUE(later.subscribe(topic, qos::at_least_once));
  EXPECT_FALSE(later.wait_for(500ms, [&] { return !later.messages.empty(); })) << "the retained message was cleared";
}

TEST_F(PlainTcp, OneMebibytePayloadAtEachQos) {
  std::string payload(1 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>((i * 131 + i / 4096) & 0xFF);

  test_client sub(options("sub-large"));
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("plain/large/#", qos::exactly_once));
  test_client pub(options("pub-large"));
  ASSERT_TRUE(pub.connect());
  for (int q = 0; q <= 2; ++q)
    ASSERT_TRUE(pub.publish("plain/large/" + std::to_string(q), payload, static_cast<qos>(q), false, 20s));
  ASSERT_TRUE(sub.wait_messages(3, 20s));
  auto l = sub.lock();
  for (int q = 0; q <= 2; ++q) {
    const auto& m = sub.messages[static_cast<std::size_t>(q)];
    EXPECT_EQ(m.topic, "plain/large/" + std::to_string(q));
    EXPECT_EQ(m.payload.size(), payload.size());
    EXPECT_TRUE(m.payload == payload) << "payload bytes differ at QoS " << q;
  }
}

TEST_F(PlainTcp, TenThousandQos1MessagesArriveInOrder) {
  constexpr int n = 10'000;
  const std::string topic = "plain/ordered";
  test_client sub(options("sub-ordered"));
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe(topic, qos::at_least_once));

  auto po = options("pub-ordered");
  po.session.max_queued = 0;  // all 10,000 are handed over at once
  test_client pub(po);
  ASSERT_TRUE(pub.connect());
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) ASSERT_TRUE(pub->publish(topic, std::to_string(i), qos::at_least_once));
  ASSERT_TRUE(sub.wait_messages(n, 60s));
  ASSERT_TRUE(pub.wait_for(30s, [&] { return pub.published.size() == n; })) << "every PUBACK arrived";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ info     ] %d QoS 1 messages in %lld ms\n", n, static_cast<long long>(ms));
  RecordProperty("qos1_messages_ms", static_cast<int>(ms));

  auto l = sub.lock();
  ASSERT_EQ(sub.messages.size(), static_cast<std::size_t>(n)) << "no duplicates on a stable connection";
  int out_of_order = 0;
  for (int i = 0; i < n; ++i)
    if (sub.messages[static_cast<std::size_t>(i)].payload != std::to_string(i) && out_of_order++ < 5)
      ADD_FAILURE() << "message " << i << " is " << sub.messages[static_cast<std::size_t>(i)].payload;
  EXPECT_EQ(out_of_order, 0) << "ordered topic [MQTT-4.6.0-6]";
}

// The 99th percentile of the delays (publish to delivery, in µs) of a QoS 0
// stream of `n` messages at 20,000 msgs/s, or -1 if it did not get through.
std::int64_t live_qos0_p99_us(const broker& b, const std::string& tag, int n) {
  const std::string topic = "plain/live_qos0/" + tag;
  constexpr auto spacing = std::chrono::microseconds(50);
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::int64_t> delays_us;
  client sub(make_options(b.url(), "sub-live-" + tag));  // after the state its callback writes to
  sub.on_message([&](const message_received& msg) {
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::int64_t sent = 0;
    if (msg.payload.size() != sizeof sent) return;
    std::memcpy(&sent, msg.payload.data(), sizeof sent);
    std::lock_guard lock(m);
    delays_us.push_back((now - sent) / 1000);
    cv.notify_all();
  });
  sub.start();
  sub.connect();
  auto granted = tern::async_subscribe(sub, {{topic, qos::at_most_once}}, asio::use_future);
  if (granted.wait_for(10s) != std::future_status::ready) return -1;
  test_client pub(make_options(b.url(), "pub-live-" + tag));
  if (!pub.connect()) return -1;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(start + i * spacing);
    auto sent = std::chrono::steady_clock::now().time_since_epoch().count();
    std::vector<std::byte> payload(sizeof sent);
    std::memcpy(payload.data(), &sent, sizeof sent);
    if (!pub->publish(topic, std::move(payload), qos::at_most_once, false)) return -1;
  }
  std::unique_lock lock(m);
  cv.wait_for(lock, 20s, [&] { return delays_us.size() == static_cast<std::size_t>(n); });
  if (delays_us.size() != static_cast<std::size_t>(n)) return -1;  // QoS 0 on loopback: none lost
  std::sort(delays_us.begin(), delays_us.end());
  return delays_us[static_cast<std::size_t>(n) * 99 / 100];
}

TEST_F(PlainTcp, ALiveQoS0StreamKeepsUpWithTheBrokersNagleAlgorithm) {
  // mosquitto as shipped holds each small write until the previous one is
  // acknowledged. A QoS 0 subscriber writes nothing back, so its kernel
  // delays those ACKs unless the client asks for them at once, and the
  // messages held meanwhile arrive late: by 30-35 ms at p99 in this test
  // (in tern-bench, 2 s at this rate, 12 ms at the median and 24 ms at
  // p99); with prompt ACKs, a few hundred microseconds. The better of two
  // runs: one stall of the machine can delay 1 % of a run.
  std::int64_t best = -1;
  for (int run = 0; run < 2 && (best < 0 || best >= 15000); ++run) {
    auto p99 = live_qos0_p99_us(*broker_, std::to_string(run), 20'000);
    ASSERT_GE(p99, 0) << "the stream did not get through";
    best = best < 0 ? p99 : std::min(best, p99);
  }
  EXPECT_LT(best, 15000) << "p99 delay " << best << " us";
}

}  // namespace
}  // namespace tern::test::plain_test
