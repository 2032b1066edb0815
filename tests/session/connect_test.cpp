// CONNECT encoding, client ids, CONNACK acceptance and refusal (3.1, 3.2).
#include "harness.hpp"

namespace tern::test::connect_test {
namespace {

TEST(Connect, SendsConnectV311AndArmsConnectTimeout) {
  harness h;
  ASSERT_FALSE(h.connect());
  // [MQTT-3.1.2-1..3]: "MQTT", level 4, flags 0x02 (clean session), keep alive 60, client id "c1".
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("10 0e  00 04 'MQTT'  04  02  00 3c  00 02 'c1'"))});
  auto timers = h.events<arm_timer>();
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].deadline, h.now + 30s);
  EXPECT_TRUE(h.s.is_open());
  EXPECT_FALSE(h.s.is_connected());
}

TEST(Connect, SendsConnectV31) {
  harness h;
  ASSERT_FALSE(h.connect(harness::default_options(protocol_version::v3_1)));
  // MQTT 3.1: "MQIsdp", level 3, a 12-byte variable header.
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{to_hex(hex("10 10  00 06 'MQIsdp'  03  02  00 3c  00 02 'c1'"))});
}

TEST(Connect, WillUserNamePasswordInPayloadOrder) {
  harness h;
  auto o = harness::default_options();
  o.keep_alive = 10;
  o.will = will{"w", payload("bye"), qos::at_least_once, true};
  o.user_name = "u";
  o.password = payload("pw");
  ASSERT_FALSE(h.connect(o));
  // flags: user 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04 | clean 0x02.
  // [MQTT-3.1.3-1]: client id, will topic, will message, user name, password.
  EXPECT_EQ(h.sent_hex()[0], to_hex(hex("10 1d  00 04 'MQTT' 04  ee  00 0a  00 02 'c1'  00 01 'w'  00 03 'bye'"
                                        "  00 01 'u'  00 02 'pw'")));
}

TEST(Connect, GeneratesClientIdForCleanSession) {
  session_options so;
  so.random_seed = 42;
  harness a(so), b(so);
  auto o = harness::default_options();
  o.client_id.clear();
  ASSERT_FALSE(a.connect(o));
  ASSERT_FALSE(b.connect(o));
  auto id = a.s.client_id();
  EXPECT_EQ(id.size(), 23u);  // [MQTT-3.1.3-5]: 1-23 characters of [0-9a-zA-Z], so 3.1 brokers accept it
  EXPECT_TRUE(std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
  EXPECT_EQ(id, b.s.client_id());  // deterministic from the seed: the session reads no entropy itself
  auto packets = a.sent_packets();
  EXPECT_EQ(std::get<connect_view>(packets.at(0)).client_id, id);
}

TEST(Connect, EmptyClientIdWithoutCleanSessionIsRefused) {
  harness h;
  auto o = harness::default_options();
  o.client_id.clear();
  o.clean_session = false;
  EXPECT_EQ(h.connect(o), errc::client_id_required);  // [MQTT-3.1.3-7]
  EXPECT_TRUE(h.out.empty());
  EXPECT_FALSE(h.s.is_open());
}

TEST(Connect, V31ClientIdLongerThan23IsRefused) {
  harness h;
  auto o = harness::default_options(protocol_version::v3_1);
  o.client_id = std::string(24, 'x');
  EXPECT_EQ(h.connect(o), errc::client_id_invalid);
  o.client_id = std::string(23, 'x');
  EXPECT_FALSE(h.connect(o));
}

TEST(Connect, InvalidArguments) {
  harness h;
  auto o = harness::default_options();
  o.password = payload("pw");
  EXPECT_EQ(h.connect(o), errc::password_without_user_name);  // [MQTT-3.1.2-22]
  o = harness::default_options();
  o.will = will{"a/#", {}, qos::at_most_once, false};
  EXPECT_EQ(h.connect(o), errc::wildcard_in_topic_name);  // [MQTT-3.1.3-10]
  o.will = will{"a", {}, static_cast<qos>(3), false};
  EXPECT_EQ(h.connect(o), errc::invalid_qos_argument);  // [MQTT-3.1.2-14]
  EXPECT_FALSE(h.s.is_open());
  EXPECT_FALSE(h.connect());
  EXPECT_EQ(h.connect(), errc::already_connected);
}

class ConnackTest : public ::testing::TestWithParam<protocol_version> {};

TEST_P(ConnackTest, AcceptedEmitsConnected) {
  harness h;
  ASSERT_FALSE(h.connect(harness::default_options(GetParam())));
  h.feed(hex("20 02 00 00"));
  auto c = h.events<connected>();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(c[0].session_present);
  EXPECT_EQ(c[0].return_code, 0);
  EXPECT_TRUE(h.s.is_connected());
  // Keep-alive replaces the connect timeout.
  EXPECT_EQ(h.events<arm_timer>().at(0).deadline, h.now + 60s);
}

TEST_P(ConnackTest, RefusedWithEachReturnCode) {
  for (std::uint8_t rc = 1; rc <= 5; ++rc) {
    harness h;
    ASSERT_FALSE(h.connect(harness::default_options(GetParam())));
    h.feed(hex("20 02 00 0" + std::to_string(rc)));
    auto r = h.events<connect_refused>();
    ASSERT_EQ(r.size(), 1u) << int(rc);
    EXPECT_EQ(r[0].return_code, rc);
    EXPECT_EQ(r[0].ec, make_error_code(static_cast<connack_error>(rc)));
    EXPECT_EQ(r[0].ec.category(), connack_category());
    EXPECT_EQ(h.closed(), r[0].ec);  // [MQTT-3.2.2-5]
    EXPECT_TRUE(h.sent().empty());
    EXPECT_FALSE(h.s.is_open());
    EXPECT_EQ(h.count<connected>(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, ConnackTest, ::testing::ValuesIn(both_versions), version_name);

TEST(Connack, V31IgnoresTheFirstByte) {
  harness h;
  ASSERT_FALSE(h.connect(harness::default_options(protocol_version::v3_1)));
  h.feed(hex("20 02 01 00"));  // 3.1 has no session present (MQTT 3.1)
  ASSERT_EQ(h.count<connected>(), 1u);
  EXPECT_FALSE(h.events<connected>()[0].session_present);
}

TEST(Connack, ConnectTimeout) {
  harness h;
  ASSERT_FALSE(h.connect());
  h.advance(29s);
  h.timer();
  EXPECT_TRUE(h.out.empty());
  h.advance(1s);
  h.timer();
  EXPECT_EQ(h.closed(), errc::connect_timeout);
  EXPECT_FALSE(h.s.is_open());
  EXPECT_EQ(h.events<arm_timer>().at(0).deadline, clock::time_point::max());
}

TEST(Connack, ConfigurableConnectTimeout) {
  harness h;
  auto o = harness::default_options();
  o.connect_timeout = 5s;
  ASSERT_FALSE(h.connect(o));
  EXPECT_EQ(h.s.next_deadline(), h.now + 5s);
}

TEST(Connack, KeepAliveBoundsTheWaitForConnack) {
  // A broker that reads CONNECT and never answers: with keep-alive K the
  // client gives up after 1.5 K, as a server gives up on a silent client
  // [MQTT-3.1.2-24], when that comes before the connect timeout.
  harness h;
  auto o = harness::default_options();
  o.keep_alive = 5;
  ASSERT_FALSE(h.connect(o));
  EXPECT_EQ(h.s.next_deadline(), h.now + 7500ms);
  h.advance(7499ms);
  h.timer();
  EXPECT_TRUE(h.s.is_open());
  h.advance(1ms);
  h.timer();
  EXPECT_EQ(h.closed(), errc::connect_timeout);
  EXPECT_EQ(h.closed().message().rfind("connack timeout", 0), 0u) << h.closed().message();
  EXPECT_FALSE(h.s.is_open());
}

TEST(Connack, TheShorterOfConnectTimeoutAndOneAndAHalfKeepAlives) {
  struct {
    std::uint16_t keep_alive;
    std::chrono::milliseconds connect_timeout, wait;
  } cases[] = {{5, 30s, 7500ms}, {60, 30s, 30s}, {10, 3s, 3s}, {0, 30s, 30s}, {1, 30s, 1500ms}};
  for (const auto& c : cases) {
    harness h;
    auto o = harness::default_options();
    o.keep_alive = c.keep_alive;
    o.connect_timeout = c.connect_timeout;
    ASSERT_FALSE(h.connect(o));
    EXPECT_EQ(h.s.next_deadline(), h.now + c.wait) << "keep-alive " << c.keep_alive;
  }
}

TEST(Connack, SplitAtEveryByte) {
  auto bytes = hex("20 02 00 00  30 05 00 01 'a' 'hi'");
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    harness h;
    ASSERT_FALSE(h.connect());
    h.feed(bytes_view(bytes).first(cut));
    auto first = h.out;
    std::size_t connected_events = h.count<connected>(), messages = h.count<message_received>();
    h.feed(bytes_view(bytes).subspan(cut));
    connected_events += h.count<connected>();
    messages += h.count<message_received>();
    EXPECT_EQ(connected_events, 1u) << "cut=" << cut;
    EXPECT_EQ(messages, 1u) << "cut=" << cut;
  }
}

TEST(Disconnect, SendsDisconnectAndCloses) {
  harness h;
  h.open();
  h.out.clear();
  EXPECT_FALSE(h.s.disconnect(h.now, h.out));
  EXPECT_EQ(h.sent_hex(), std::vector<std::string>{"e0 00"});  // [MQTT-3.14.4-3]: the broker drops the Will
  EXPECT_EQ(h.closed(), errc::disconnected);
  EXPECT_FALSE(h.s.is_open());
  h.out.clear();
  EXPECT_EQ(h.s.disconnect(h.now, h.out), errc::not_connected);
  // The same session connects again.
  h.open();
}

TEST(Disconnect, BeforeConnackSendsNothing) {
  harness h;
  ASSERT_FALSE(h.connect());
  h.out.clear();
  EXPECT_FALSE(h.s.disconnect(h.now, h.out));
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.closed(), errc::disconnected);
}

TEST(Logging, LinesCarryPahoLevels) {
  EXPECT_EQ(static_cast<int>(log_level::info), 0x01);
  EXPECT_EQ(static_cast<int>(log_level::debug), 0x10);
  EXPECT_EQ(to_string(log_level::err), "ERR");
  session_options so;
  so.log_mask = 0x1F;
  harness h(so);
  ASSERT_FALSE(h.connect());
  EXPECT_TRUE(h.logged(log_level::debug, "Sending CONNECT"));
  h.feed(hex("20 02 00 00"));
  EXPECT_TRUE(h.logged(log_level::info, "Connected"));
}

}  // namespace
}  // namespace tern::test::connect_test
