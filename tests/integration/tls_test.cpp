// TLS against mosquitto with certificates made by openssl at test time:
// verified connection, host name checking (and insecure mode), an untrusted
// CA, and a listener that requires a client certificate.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"
#include "pki.hpp"

namespace tern::test::tls_test {
namespace {

class Tls : public pki_broker_suite<Tls> {
 protected:
  friend class pki_broker_suite<Tls>;
  // Listeners: 0 the right server certificate, 1 a certificate for
  // wrong.example, 2 the right one and require_certificate true.
  static std::vector<listener_config> listeners(const pki& p) {
    listener_config good{listener_config::kind::mqtt, p.ca_crt, p.server_crt, p.server_key, false};
    listener_config wrong{listener_config::kind::mqtt, p.ca_crt, p.wrong_crt, p.wrong_key, false};
    listener_config mutual = good;
    mutual.require_certificate = true;
    return {good, wrong, mutual};
  }

  static client_options options(std::size_t listener, const std::string& host, const std::string& id) {
    auto o = make_options(broker_->url(listener, host), id);
    o.tls.ca_file = pki_->ca_crt;
    o.reconnect.enabled = false;  // one attempt: the refusals below are final
    return o;
  }

  // A connection that must not be established; `detail_has` in last_error_detail().
  static void expect_refused(client_options o, const std::string& detail_has) {
    test_client c(o);
    auto r = c.connect();
    ASSERT_FALSE(r) << "connected, but should have been refused";
    EXPECT_TRUE(c->last_error()) << "last_error() is set";
    EXPECT_NE(std::string(c->last_error_detail()).find(detail_has), std::string::npos)
        << "last_error_detail(): '" << c->last_error_detail() << "', want it to mention '" << detail_has << "'";
    EXPECT_FALSE(c->is_connected());
  }
};

TEST_F(Tls, VerifiedConnectionByHostName) {
  test_client c(options(0, "localhost", "tls-ok-name"));
  ASSERT_TRUE(c.connect());
  ASSERT_TRUE(c.subscribe("tls/t", qos::exactly_once));
  ASSERT_TRUE(c.publish("tls/t", "over TLS", qos::exactly_once));
  ASSERT_TRUE(c.wait_messages(1));
  auto l = c.lock();
  EXPECT_EQ(c.messages[0].payload, "over TLS");
}

TEST_F(Tls, ReadIntervalTakesEveryRecordThatArrivedWithinIt) {
  // mosquitto writes a TLS record per packet, and a read returns one record
  // at most: the records behind it wait inside OpenSSL, where the socket
  // shows nothing. Pausing after each read would take one message per
  // interval (5 s for these 50); they come within a few intervals.
  auto so = options(0, "localhost", "tls-interval-sub");
  so.read_interval = std::chrono::milliseconds(100);
  test_client sub(so);
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("tls/interval", qos::at_most_once));
  test_client pub(options(0, "localhost", "tls-interval-pub"));
  ASSERT_TRUE(pub.connect());
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pub.publish("tls/interval", std::to_string(i), qos::at_most_once));
  ASSERT_TRUE(sub.wait_messages(50, 20s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  auto l = sub.lock();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sub.messages[static_cast<std::size_t>(i)].payload, std::to_string(i));
}

TEST_F(Tls, VerifiedConnectionByIpAddress) {
  // The server certificate has IP:127.0.0.1 in its subjectAltName.
  test_client c(options(0, "127.0.0.1", "tls-ok-ip"));
  ASSERT_TRUE(c.connect());
}

TEST_F(Tls, WrongHostNameIsRefusedByDefault) {
  expect_refused(options(1, "localhost", "tls-wrong-name"), "host name");
}

TEST_F(Tls, WrongHostNameIsAcceptedWithInsecure) {
  auto o = options(1, "localhost", "tls-wrong-name-insecure");
  o.tls.insecure = true;
  test_client c(o);
  ASSERT_TRUE(c.connect());
  auto l = c.lock();
  bool warned = false;
  for (const auto& line : c.log) warned |= line.find("insecure") != std::string::npos;
  EXPECT_TRUE(warned) << "insecure mode logs a warning on every connection";
}

TEST_F(Tls, UntrustedCaIsRefused) {
  auto o = options(0, "localhost", "tls-untrusted");
  o.tls.ca_file = pki_->untrusted_ca_crt;
  expect_refused(o, "certificate verification failed");
}

TEST_F(Tls, UntrustedCaIsRefusedEvenWithInsecure) {
  // insecure skips the host name check only; the chain is still verified.
  auto o = options(0, "localhost", "tls-untrusted-insecure");
  o.tls.ca_file = pki_->untrusted_ca_crt;
  o.tls.insecure = true;
  expect_refused(o, "certificate verification failed");
}

TEST_F(Tls, ClientCertificateListenerAcceptsACertificate) {
  auto o = options(2, "localhost", "tls-client-cert");
  o.tls.cert_file = pki_->client_crt;
  o.tls.key_file = pki_->client_key;
  test_client c(o);
  ASSERT_TRUE(c.connect());
  ASSERT_TRUE(c.publish("tls/mutual", "x", qos::at_least_once));
}

TEST_F(Tls, ClientCertificateListenerRefusesNoCertificate) {
  test_client c(options(2, "localhost", "tls-no-client-cert"));
  // With TLS 1.3 the client's handshake may finish before the broker checks
  // the (missing) certificate: the refusal then comes as an alert on the
  // first read. Either way there is no CONNACK.
  ASSERT_FALSE(c.connect()) << "connected without a client certificate";
  EXPECT_TRUE(c->last_error());
  EXPECT_FALSE(c->is_connected());
  auto l = c.lock();
  EXPECT_TRUE(c.connects.empty());
}

}  // namespace
}  // namespace tern::test::tls_test
