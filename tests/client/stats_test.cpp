// client::stats(): the counters behind the web facade's status().

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../common/eventually.hpp"
#include "fake_broker.hpp"
#include "tern/client_options.hpp"

namespace tern::test::stats_test {
namespace {

using namespace std::chrono_literals;
using bytes = fake_broker::bytes;


TEST(ClientStats, StartAtZeroWithNoConnack) {
  client_options o;
  o.brokers = {"mqtt://127.0.0.1:1"};
  client c(o);
  auto s = c.stats();
  EXPECT_EQ(s.connects, 0u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.last_connack_code, -1);
  EXPECT_EQ(s.messages_in, 0u);
  EXPECT_EQ(s.messages_out, 0u);
  EXPECT_EQ(s.inflight, 0u);
  EXPECT_EQ(s.queued, 0u);
}

TEST(ClientStats, CountMessagesQueueAndReconnects) {
  // The first connection gets a message, then a malformed packet (so the
  // client reconnects); the second is accepted quietly. PUBACKs are withheld
  // so that QoS 1 messages stay in flight.
  std::atomic<int> conn{0};
  fake_broker broker([&](const packet_view& p) -> bytes {
    if (!std::holds_alternative<connect_view>(p)) return {};
    auto out = fake_broker::wire(connack_view{false, 0});
    if (++conn == 1) {
      auto m = fake_broker::wire(publish_view{"t", as_bytes("v"), qos::at_most_once, false, false, 0});
      out.insert(out.end(), m.begin(), m.end());
      out.push_back(std::byte{0x00});
      out.push_back(std::byte{0x00});
    }
    return out;
  });
  client_options o;
  o.brokers = {"mqtt://127.0.0.1:" + std::to_string(broker.port())};
  o.reconnect.min_delay = 10ms;
  o.reconnect.max_delay = 20ms;
  o.session.max_inflight = 1;
  client c(o);
  c.start();
  // Offline: all three wait in the queue.
  ASSERT_TRUE(c.publish("q", "0", qos::at_most_once));
  ASSERT_TRUE(c.publish("q", "1", qos::at_least_once));
  ASSERT_TRUE(c.publish("q", "2", qos::at_least_once));
  EXPECT_TRUE(eventually([&] { return c.stats().queued == 3; }));
  c.connect();
  EXPECT_TRUE(eventually([&] { return c.stats().reconnects == 1; }));
  auto s = c.stats();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.last_connack_code, 0);
  EXPECT_EQ(s.messages_in, 1u);
  // One in the window of 1 (never acknowledged), one behind it.
  EXPECT_TRUE(eventually([&] { return c.stats().inflight == 1 && c.stats().queued == 1; }));
  EXPECT_EQ(c.stats().messages_out, 1u);  // the QoS 0 one, written
  c.stop();
}

TEST(ClientStats, RefusalCodeIsKept) {
  fake_broker broker([](const packet_view& p) -> bytes {
    return std::holds_alternative<connect_view>(p) ? fake_broker::wire(connack_view{false, 4}) : bytes{};
  });
  client_options o;
  o.brokers = {"mqtt://127.0.0.1:" + std::to_string(broker.port())};
  o.reconnect.enabled = false;
  client c(o);
  c.start();
  c.connect();
  EXPECT_TRUE(eventually([&] { return c.stats().last_connack_code == 4; }));
  EXPECT_EQ(c.stats().connects, 0u);
  c.stop();
}

}  // namespace
}  // namespace tern::test::stats_test
