// The TLS layer over a socket pair whose near end reads and writes at most
// N bytes at a time, against an in-process Asio TLS server with
// certificates made by openssl at test time: the handshake and data both
// ways at every size, host name and chain verification, and ALPN (what is
// offered, a selection, none selected, a refusing alert).

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "chopped_stream.hpp"
#include "pki.hpp"
#include "tern/transport_error.hpp"
#include "transport/tls_context.hpp"
#include "transport/tls_layer.hpp"

namespace tern::test::tls_layer_test {
namespace {

// What the server's ALPN callback saw and does.
struct alpn_server {
  enum class answer { select_mqtt, select_none, alert } how = answer::select_mqtt;
  std::vector<std::string> offered;
};

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void* arg) {
  auto* a = static_cast<alpn_server*>(arg);
  for (unsigned i = 0; i < inlen; i += 1 + in[i]) a->offered.emplace_back(reinterpret_cast<const char*>(in + i + 1), in[i]);
  if (a->how == alpn_server::answer::alert) return SSL_TLSEXT_ERR_ALERT_FATAL;
  if (a->how == alpn_server::answer::select_none) return SSL_TLSEXT_ERR_NOACK;
  for (unsigned i = 0; i < inlen; i += 1 + in[i])
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), in[i]) == "mqtt") {
      *out = in + i + 1;
      *outlen = in[i];
      return SSL_TLSEXT_ERR_OK;
    }
  return SSL_TLSEXT_ERR_NOACK;
}

class TlsLayer : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<pki>();
    auto r = pki_->generate();
    if (!r) error_ = r.message();
  }
  static void TearDownTestSuite() { pki_.reset(); }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_; }

  struct outcome {
    std::error_code client, server;
    std::string detail;
  };

  // Opens the client's layer (chopped at `limit`) to `host` against a server
  // with `server_crt`; then, when both succeeded, "hello" goes up and
  // "world" comes down.
  outcome handshake(const tls_options& options, std::size_t limit, const std::string& host = "localhost",
                    bool wrong_certificate = false) {
    outcome o;
    std::string setup;
    auto client_ctx = transport::make_tls_context(options, setup);
    EXPECT_TRUE(client_ctx) << setup;
    if (!client_ctx) return o;
    asio::ssl::context server_ctx(asio::ssl::context::tls_server);
    server_ctx.use_certificate_chain_file(wrong_certificate ? pki_->wrong_crt : pki_->server_crt);
    server_ctx.use_private_key_file(wrong_certificate ? pki_->wrong_key : pki_->server_key, asio::ssl::context::pem);
    SSL_CTX_set_alpn_select_cb(server_ctx.native_handle(), select_alpn, &alpn_);

    socket_pair p;
    chopped_stream lower(p.near, limit);
    transport::tls_layer<chopped_stream> client(lower, **client_ctx);
    asio::ssl::stream<local_socket&> server(p.far, server_ctx);
    int pending = 2;
    client.async_open(host, options, o.detail, [&](std::error_code ec) {
      o.client = ec;
      --pending;
      if (ec) p.far.close();  // the server's handshake would wait for more
    });
    server.async_handshake(asio::ssl::stream_base::server, [&](std::error_code ec) {
      o.server = ec;
      --pending;
    });
    while (pending > 0 && p.io.run_one_for(std::chrono::seconds(5))) {
    }
    EXPECT_EQ(pending, 0) << "a handshake never finished";
    if (o.client || o.server) return o;

    std::string up(5, '\0'), down(5, '\0');
    std::size_t up_got = 0, down_got = 0;
    std::array<asio::const_buffer, 2> hello{asio::buffer("hel", 3), asio::buffer("lo", 2)};
    client.async_write(hello, [](std::error_code ec, std::size_t n) { EXPECT_FALSE(ec) << n; });
    asio::async_read(server, asio::buffer(up), [&](std::error_code ec, std::size_t n) {
      EXPECT_FALSE(ec);
      up_got = n;
      asio::async_write(server, asio::buffer(std::string_view("world")), [](std::error_code, std::size_t) {});
    });
    std::function<void(std::error_code, std::size_t)> read_down = [&](std::error_code ec, std::size_t n) {
      ASSERT_FALSE(ec) << ec.message();
      down_got += n;
      if (down_got < down.size()) client.async_read_some(asio::buffer(down.data() + down_got, down.size() - down_got), read_down);
    };
    client.async_read_some(asio::buffer(down), read_down);
    p.io.restart();  // it stopped when the handshakes left it without work
    while (down_got < down.size() && p.io.run_one_for(std::chrono::seconds(5))) {
    }
    EXPECT_EQ(up_got, 5u);
    EXPECT_EQ(up, "hello");
    EXPECT_EQ(down, "world");
    return o;
  }

  tls_options trusting() const {
    tls_options o;
    o.ca_file = pki_->ca_crt;
    return o;
  }

  alpn_server alpn_;
  static inline std::unique_ptr<pki> pki_;
  static inline std::string error_;
};

TEST_F(TlsLayer, HandshakeAndDataWithEveryReadAndWriteSize) {
  for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 64u, 517u, 100000u}) {
    SCOPED_TRACE("at most " + std::to_string(n) + " bytes per read and write");
    auto o = handshake(trusting(), n);
    EXPECT_FALSE(o.client) << o.client.message() << ": " << o.detail;
    EXPECT_FALSE(o.server) << o.server.message();
  }
}

TEST_F(TlsLayer, TheHostNameIsCheckedUnlessInsecure) {
  auto o = handshake(trusting(), 64, "localhost", /*wrong_certificate=*/true);
  EXPECT_TRUE(o.client);
  EXPECT_NE(o.detail.find("certificate does not match the host name 'localhost'"), std::string::npos) << o.detail;
  auto insecure = trusting();
  insecure.insecure = true;
  auto o2 = handshake(insecure, 64, "localhost", true);
  EXPECT_FALSE(o2.client) << o2.detail;
}

TEST_F(TlsLayer, AnUntrustedChainIsRefusedSayingWhy) {
  tls_options o;
  o.ca_file = pki_->untrusted_ca_crt;
  auto r = handshake(o, 64);
  EXPECT_TRUE(r.client);
  EXPECT_NE(r.detail.find("certificate verification failed"), std::string::npos) << r.detail;
}

TEST_F(TlsLayer, AlpnOffersInOrderAndGoesOnWhenOneIsSelected) {
  auto o = trusting();
  o.alpn = {"x-amzn-mqtt-ca", "mqtt"};
  auto r = handshake(o, 7);
  EXPECT_FALSE(r.client) << r.detail;
  EXPECT_EQ(alpn_.offered, (std::vector<std::string>{"x-amzn-mqtt-ca", "mqtt"}));
}

TEST_F(TlsLayer, AlpnNoneOfferedByDefault) {
  auto r = handshake(trusting(), 64);
  EXPECT_FALSE(r.client) << r.detail;
  EXPECT_TRUE(alpn_.offered.empty());
}

TEST_F(TlsLayer, AlpnNoneSelectedIsRefused) {
  auto o = trusting();
  o.alpn = {"x-amzn-mqtt-ca"};
  alpn_.how = alpn_server::answer::select_none;
  auto r = handshake(o, 64);
  EXPECT_EQ(r.client, transport_errc::alpn_refused);
  EXPECT_EQ(r.detail, "the broker selected none of the ALPN protocols offered (x-amzn-mqtt-ca)");
}

TEST_F(TlsLayer, AlpnRefusedByAnAlertIsRefusedToo) {
  auto o = trusting();
  o.alpn = {"x-amzn-mqtt-ca", "mqtt"};
  alpn_.how = alpn_server::answer::alert;
  auto r = handshake(o, 64);
  EXPECT_EQ(r.client, transport_errc::alpn_refused) << r.client.message() << ": " << r.detail;
  EXPECT_NE(r.detail.find("ALPN protocols offered (x-amzn-mqtt-ca, mqtt)"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace tern::test::tls_layer_test
