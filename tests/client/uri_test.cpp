// Broker URIs and reconnection back-off.

#include <gtest/gtest.h>

#include "client/backoff.hpp"
#include "transport/uri.hpp"

namespace tern::test::uri_test {
namespace {

TEST(BrokerUri, SchemesAndDefaults) {
  struct row {
    const char* uri;
    bool tls, ws;
    const char* host;
    std::uint16_t port;
    const char* path;
  } table[] = {
      {"localhost", false, false, "localhost", 1883, "/mqtt"},
      {"broker:1884", false, false, "broker", 1884, "/mqtt"},
      {"mqtt://b", false, false, "b", 1883, "/mqtt"},
      {"tcp://b:2000", false, false, "b", 2000, "/mqtt"},
      {"mqtts://b", true, false, "b", 8883, "/mqtt"},
      {"ssl://b:9000", true, false, "b", 9000, "/mqtt"},
      {"ws://b", false, true, "b", 80, "/mqtt"},
      {"ws://b:8080/custom/path", false, true, "b", 8080, "/custom/path"},
      {"wss://b", true, true, "b", 443, "/mqtt"},
      {"mqtt://[::1]:1999", false, false, "::1", 1999, "/mqtt"},
      {"mqtt://user@b", false, false, "b", 1883, "/mqtt"},
  };
  for (const auto& r : table) {
    auto u = transport::parse_broker_uri(r.uri);
    ASSERT_TRUE(u) << r.uri << ": " << u.error().message();
    EXPECT_EQ(u->tls, r.tls) << r.uri;
    EXPECT_EQ(u->websocket, r.ws) << r.uri;
    EXPECT_EQ(u->host, r.host) << r.uri;
    EXPECT_EQ(u->port, r.port) << r.uri;
    EXPECT_EQ(u->path, r.path) << r.uri;
  }
}

TEST(BrokerUri, Errors) {
  EXPECT_EQ(transport::parse_broker_uri("http://b").error(), transport_errc::unsupported_scheme);
  for (auto bad : {"", "mqtt://", "mqtt://:1883", "mqtt://b:0", "mqtt://b:65536", "mqtt://b:x", "mqtt://[::1",
                   "mqtt://b:"})
    EXPECT_EQ(transport::parse_broker_uri(bad).error(), transport_errc::invalid_broker_uri) << bad;
}

TEST(Backoff, DoublesWithJitterUpToTheMaximum) {
  using std::chrono::milliseconds;
  detail::backoff b(milliseconds(1000), milliseconds(120'000), 42);
  milliseconds expected(1000);
  for (int i = 0; i < 12; ++i) {
    auto d = b.next();
    EXPECT_GE(d, expected / 2) << i;
    EXPECT_LE(d, expected) << i;
    expected = std::min(expected * 2, milliseconds(120'000));
  }
  b.reset();
  EXPECT_LE(b.next(), milliseconds(1000));
}

}  // namespace
}  // namespace tern::test::uri_test
