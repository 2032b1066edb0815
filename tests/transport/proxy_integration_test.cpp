// Through real proxies, each started privately on 127.0.0.1 by the suite:
// tinyproxy (HTTP CONNECT, Basic authentication) and microsocks (SOCKS5,
// with and without user/password), in front of a private mosquitto with a
// TCP, a TLS and a WebSocket listener. Then proxies that refuse, close
// mid-handshake or answer garbage: each a clear error naming the proxy, with
// the reconnect policy applied. And ALPN against `openssl s_server`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"
#include "pki.hpp"
#include "process.hpp"

namespace tern::test::proxy_integration_test {
namespace {

// A proxy program run on a free port, stopped by the destructor.
class proxy_process {
 public:
  proxy_process() : port_(free_port()) {}
  ~proxy_process() { proc_.terminate(2s); }

  testing::AssertionResult start(std::vector<std::string> argv) {
    process::options o;
    o.argv = std::move(argv);
    o.stdout_file = dir_.path() / "out.log";
    o.stderr_file = dir_.path() / "err.log";
    if (!proc_.spawn(o)) return testing::AssertionFailure() << proc_.error();
    for (int i = 0; i < 100; ++i) {
      if (port_accepts(port_)) return testing::AssertionSuccess();
      if (!proc_.running()) break;
      std::this_thread::sleep_for(50ms);
    }
    return testing::AssertionFailure() << proc_.command_line() << " does not accept on port " << port_ << ": "
                                       << proc_.out() << proc_.err();
  }
  std::uint16_t port() const noexcept { return port_; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  std::string log() const { return proc_.out() + proc_.err(); }

 private:
  temp_dir dir_{"tern-proxy"};
  std::uint16_t port_;
  mutable process proc_;
};

// tinyproxy in the foreground with a generated config; `extra` lines are
// appended (BasicAuth, ConnectPort).
testing::AssertionResult start_tinyproxy(proxy_process& p, const std::vector<std::string>& extra) {
  std::string conf = "Port " + std::to_string(p.port()) +
                     "\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 50\nLogLevel Connect\n";
  for (const auto& line : extra) conf += line + "\n";
  write_file(p.dir() / "tinyproxy.conf", conf);
  return p.start({"/usr/bin/tinyproxy", "-d", "-c", (p.dir() / "tinyproxy.conf").string()});
}

testing::AssertionResult start_microsocks(proxy_process& p, const std::string& user = {},
                                          const std::string& password = {}) {
  std::vector<std::string> argv{"/usr/bin/microsocks", "-i", "127.0.0.1", "-p", std::to_string(p.port())};
  if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
  return p.start(argv);
}

// A "proxy" that accepts, reads the request, then does `answer` to the socket:
// for the proxies no package provides. Counts the connections it accepted.
class scripted_proxy {
 public:
  explicit scripted_proxy(std::function<void(asio::ip::tcp::socket&)> answer)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), answer_(std::move(answer)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        asio::ip::tcp::socket s(io_);
        std::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        ++accepted;
        std::array<char, 512> buf;
        s.read_some(asio::buffer(buf), ec);
        if (!ec) answer_(s);
        s.close(ec);
      }
    });
  }
  ~scripted_proxy() {
    stop_ = true;
    std::error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> accepted{0};

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::function<void(asio::ip::tcp::socket&)> answer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class Proxy : public pki_broker_suite<Proxy> {
 protected:
  friend class pki_broker_suite<Proxy>;
  // Listeners: 0 TCP, 1 TLS (certificate for localhost), 2 WebSocket.
  static std::vector<listener_config> listeners(const pki& p) {
    listener_config tls{listener_config::kind::mqtt, p.ca_crt, p.server_crt, p.server_key, false};
    listener_config ws;
    ws.protocol = listener_config::kind::websockets;
    return {listener_config{}, tls, ws};
  }

  // Through `proxy_url` to listener `listener` (on 127.0.0.1). The HTTP
  // proxy gets the name "localhost" and resolves it; the SOCKS5 proxy gets
  // the address: microsocks tries only the first address of a name, and
  // where "localhost" is ::1 first (Debian's own /etc/hosts) that is not
  // the broker's.
  static client_options through(const std::string& proxy_url, std::size_t listener, const std::string& id) {
    bool socks = proxy_url.rfind("socks", 0) == 0;
    auto o = make_options(broker_->url(listener, socks ? "127.0.0.1" : "localhost"), id);
    o.tls.ca_file = pki_->ca_crt;
    o.proxy.url = proxy_url;
    return o;
  }

  // A message goes out and comes back over the connection through the proxy.
  static void round_trip(client_options o) {
    test_client c(std::move(o));
    ASSERT_TRUE(c.connect());
    auto topic = "proxy/" + std::string(c->client_id());
    ASSERT_TRUE(c.subscribe(topic, qos::exactly_once));
    ASSERT_TRUE(c.publish(topic, "through the proxy", qos::exactly_once));
    ASSERT_TRUE(c.wait_messages(1));
    auto l = c.lock();
    EXPECT_EQ(c.messages[0].payload, "through the proxy");
  }

  // A connection that must fail: `code`, and `detail_has` in last_error_detail().
  static void expect_refused(client_options o, std::error_code code, const std::vector<std::string>& detail_has) {
    o.reconnect.enabled = false;
    test_client c(std::move(o));
    ASSERT_FALSE(c.connect()) << "connected, but should have been refused";
    EXPECT_EQ(c->last_error(), code) << c->last_error().message() << ": " << c->last_error_detail();
    for (const auto& part : detail_has)
      EXPECT_NE(std::string(c->last_error_detail()).find(part), std::string::npos)
          << "last_error_detail(): '" << c->last_error_detail() << "', want it to mention '" << part << "'";
  }

  static std::string url(const char* scheme, std::uint16_t port, const std::string& userinfo = {}) {
    return std::string(scheme) + "://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port);
  }
};

TEST_F(Proxy, HttpConnectCarriesTcpTlsAndWebSocket) {
  proxy_process tp;
  ASSERT_TRUE(start_tinyproxy(tp, {"BasicAuth alice s3cret"}));
  for (std::size_t listener : {0u, 1u, 2u}) {
    SCOPED_TRACE("listener " + std::to_string(listener));
    round_trip(through(url("http", tp.port(), "alice:s3cret"), listener, "http-" + std::to_string(listener)));
  }
  // Each went through the proxy, to the name the client gave.
  auto log = tp.log();
  for (std::size_t listener : {0u, 1u, 2u})
    EXPECT_NE(log.find("localhost:" + std::to_string(broker_->port(listener))), std::string::npos) << log;
}

TEST_F(Proxy, Socks5CarriesTcpTlsAndWebSocket) {
  proxy_process open_socks, auth_socks;
  ASSERT_TRUE(start_microsocks(open_socks));
  ASSERT_TRUE(start_microsocks(auth_socks, "bob", "p@ss"));
  for (std::size_t listener : {0u, 1u, 2u}) {
    SCOPED_TRACE("listener " + std::to_string(listener));
    round_trip(through(url("socks5h", open_socks.port()), listener, "socks-" + std::to_string(listener)));
    round_trip(through(url("socks5h", auth_socks.port(), "bob:p%40ss"), listener,
                       "socks-auth-" + std::to_string(listener)));
  }
}

TEST_F(Proxy, HttpRefusalsSayTheStatusAndNameTheProxy) {
  proxy_process tp;
  // Only port 443 may be tunnelled to: the broker's port is refused (403).
  ASSERT_TRUE(start_tinyproxy(tp, {"BasicAuth alice s3cret", "ConnectPort 443"}));
  auto name = "proxy http://127.0.0.1:" + std::to_string(tp.port());
  // tinyproxy answers 407 without credentials, but 401 (where RFC 9110 has
  // 407) for wrong ones: both are authentication failures.
  expect_refused(through(url("http", tp.port()), 0, "http-no-user"), transport_errc::proxy_auth_failed,
                 {name, "HTTP 407", "the proxy URL has no user and password"});
  expect_refused(through(url("http", tp.port(), "alice:wrong"), 0, "http-wrong"), transport_errc::proxy_auth_failed,
                 {name, "HTTP 401"});
  expect_refused(through(url("http", tp.port(), "alice:s3cret"), 0, "http-port"), transport_errc::proxy_refused,
                 {name, "HTTP 403"});
}

TEST_F(Proxy, Socks5RefusalsSayWhyAndNameTheProxy) {
  proxy_process socks;
  ASSERT_TRUE(start_microsocks(socks, "bob", "pw"));
  auto name = "proxy socks5h://127.0.0.1:" + std::to_string(socks.port());
  expect_refused(through(url("socks5h", socks.port()), 0, "socks-no-user"), transport_errc::proxy_auth_failed,
                 {name, "accepts none of the methods offered"});
  expect_refused(through(url("socks5h", socks.port(), "bob:wrong"), 0, "socks-wrong"),
                 transport_errc::proxy_auth_failed, {name, "refused the user name and password"});
  // Nothing listens on this port: the proxy's connect fails.
  auto o = through(url("socks5h", socks.port(), "bob:pw"), 0, "socks-closed");
  o.brokers = {"mqtt://127.0.0.1:" + std::to_string(free_port())};
  expect_refused(o, transport_errc::proxy_refused, {name, "SOCKS5 reply"});
}

TEST_F(Proxy, AProxyThatClosesMidHandshakeIsRetriedWithBackoff) {
  scripted_proxy closer([](asio::ip::tcp::socket& s) {
    std::error_code ec;
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 Conn")), ec);  // and closes
  });
  auto o = through(url("http", closer.port()), 0, "closer");
  test_client c(o);
  c->start();
  c->connect();
  // The reconnect policy applies: it tries again, and each failure says why.
  ASSERT_TRUE(c.wait_disconnects(3, 10s)) << c.log_text();
  EXPECT_GE(closer.accepted.load(), 3);
  EXPECT_EQ(c->last_error(), transport_errc::proxy_closed);
  EXPECT_NE(std::string(c->last_error_detail()).find("proxy http://127.0.0.1:" + std::to_string(closer.port())), std::string::npos)
      << c->last_error_detail();
  EXPECT_NE(std::string(c->last_error_detail()).find("closed the connection"), std::string::npos) << c->last_error_detail();
}

TEST_F(Proxy, AProxyThatAnswersGarbageIsAProtocolError) {
  scripted_proxy ssh([](asio::ip::tcp::socket& s) {
    std::error_code ec;
    asio::write(s, asio::buffer(std::string("SSH-2.0-OpenSSH_9.2p1\r\n")), ec);
  });
  expect_refused(through(url("socks5h", ssh.port()), 0, "garbage-socks"), transport_errc::proxy_protocol_error,
                 {"proxy socks5h://127.0.0.1:" + std::to_string(ssh.port()), "not a SOCKS5 proxy"});
  expect_refused(through(url("http", ssh.port()), 0, "garbage-http"), transport_errc::proxy_protocol_error,
                 {"proxy http://127.0.0.1:" + std::to_string(ssh.port()), "not an HTTP response", "SSH-"});
}

TEST_F(Proxy, AnUnparsableProxyUrlFailsWithoutShowingIt) {
  expect_refused(through("socks4://user:hunter2@127.0.0.1:1", 0, "bad-url"), transport_errc::invalid_proxy_uri,
                 {"proxy URL cannot be parsed"});
  test_client c(through("socks4://user:hunter2@127.0.0.1:1", 0, "bad-url-2"));
  ASSERT_FALSE(c.connect());
  EXPECT_EQ(std::string(c->last_error_detail()).find("hunter2"), std::string::npos) << c->last_error_detail();
}

TEST_F(Proxy, TheToolsTakeProxyLikeMosquittos) {
  proxy_process socks, tp;
  ASSERT_TRUE(start_microsocks(socks));
  ASSERT_TRUE(start_tinyproxy(tp, {}));
  auto pub = tool_path("TERN_PUB", "../../tools/tern-pub");
  auto sub = tool_path("TERN_SUB", "../../tools/tern-sub");
  auto port = std::to_string(broker_->port(0));
  process subscriber;
  process::options so;
  so.argv = {sub, "-h", "localhost", "-p", port, "-t", "proxy/tools", "-C", "1", "-q", "1", "--proxy",
             url("http", tp.port())};
  so.stdout_file = tp.dir() / "sub.out";
  so.stderr_file = tp.dir() / "sub.err";
  ASSERT_TRUE(subscriber.spawn(so)) << subscriber.error();
  ASSERT_TRUE(broker_->wait_log("proxy/tools", 10s)) << broker_->log();
  std::string out, err;
  auto st = run({pub, "-h", "127.0.0.1", "-p", port, "-t", "proxy/tools", "-m", "via socks", "-q", "1", "--proxy",
                 url("socks5h", socks.port())},
                tp.dir(), 15s, &out, &err);
  ASSERT_EQ(st, 0) << err;
  auto done = subscriber.wait(10s);
  ASSERT_EQ(done, 0) << subscriber.err();
  EXPECT_EQ(subscriber.out(), "via socks\n");
}

// ---- ALPN, against openssl s_server (-trace shows what the client offered) ----

class Alpn : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.generate()); }

  // s_server on a free port, selecting from `server_list`; -www, so that it
  // does not stop at the end of its stdin.
  testing::AssertionResult start_server(process& p, const std::string& server_list) {
    port_ = free_port();
    process::options o;
    o.argv = {"/usr/bin/openssl", "s_server", "-www",      "-trace",           "-alpn",          server_list,
              "-accept",          std::to_string(port_), "-cert", pki_.server_crt, "-key", pki_.server_key};
    o.stdout_file = pki_.dir.path() / ("s_server-" + std::to_string(port_) + ".out");
    o.stderr_file = pki_.dir.path() / ("s_server-" + std::to_string(port_) + ".err");
    if (!p.spawn(o)) return testing::AssertionFailure() << p.error();
    for (int i = 0; i < 100; ++i) {
      if (port_accepts(port_)) return testing::AssertionSuccess();
      std::this_thread::sleep_for(50ms);
    }
    return testing::AssertionFailure() << "s_server does not accept: " << p.err();
  }

  client_options options(std::vector<std::string> alpn) {
    auto o = make_options("mqtts://localhost:" + std::to_string(port_), "alpn");
    o.tls.ca_file = pki_.ca_crt;
    o.tls.alpn = std::move(alpn);
    o.reconnect.enabled = false;
    o.connect.connect_timeout = 1s;  // s_server never sends a CONNACK
    return o;
  }

  pki pki_;
  std::uint16_t port_ = 0;
};

// The ALPN extension of the ClientHello as s_server's -trace prints it: the
// names, one per line, after "application_layer_protocol_negotiation".
std::string offered_in(const std::string& trace) {
  auto at = trace.find("application_layer_protocol_negotiation");
  if (at == std::string::npos) return {};
  std::string names;
  auto line_start = trace.find('\n', at) + 1;
  while (line_start < trace.size()) {
    auto end = trace.find('\n', line_start);
    auto line = trace.substr(line_start, end - line_start);
    if (line.find("extension_type=") != std::string::npos || line.find_first_not_of(' ') == std::string::npos) break;
    names += (names.empty() ? "" : ",") + line.substr(line.find_first_not_of(' '));
    line_start = end + 1;
  }
  return names;
}

TEST_F(Alpn, OffersItsProtocolsInOrderAndGoesOnWhenOneIsSelected) {
  process server;
  ASSERT_TRUE(start_server(server, "mqtt"));
  test_client c(options({"x-amzn-mqtt-ca", "mqtt"}));
  ASSERT_FALSE(c.connect());  // s_server speaks HTTP, not MQTT
  // Past TLS and ALPN: it is the CONNACK that never came.
  EXPECT_NE(c->last_error(), transport_errc::alpn_refused) << c->last_error_detail();
  EXPECT_EQ(std::string(c->last_error_detail()).find("ALPN"), std::string::npos) << c->last_error_detail();
  server.terminate(2s);
  EXPECT_EQ(offered_in(server.out()), "x-amzn-mqtt-ca,mqtt") << server.out().substr(0, 3000);
}

TEST_F(Alpn, ARefusedNegotiationIsReported) {
  process server;
  ASSERT_TRUE(start_server(server, "something-else"));
  test_client c(options({"x-amzn-mqtt-ca"}));
  ASSERT_FALSE(c.connect());
  EXPECT_EQ(c->last_error(), transport_errc::alpn_refused) << c->last_error_detail();
  EXPECT_NE(std::string(c->last_error_detail()).find("ALPN protocols offered (x-amzn-mqtt-ca)"), std::string::npos)
      << c->last_error_detail();
}

TEST_F(Alpn, NoneOfferedByDefault) {
  process server;
  ASSERT_TRUE(start_server(server, "mqtt"));
  test_client c(options({}));
  ASSERT_FALSE(c.connect());
  EXPECT_NE(c->last_error(), transport_errc::alpn_refused);
  server.terminate(2s);
  EXPECT_EQ(offered_in(server.out()), "") << server.out().substr(0, 3000);
  EXPECT_NE(server.out().find("ClientHello"), std::string::npos) << "s_server saw no handshake";
}

TEST_F(Alpn, AnEmptyOrOverlongNameIsAConfigurationError) {
  process server;
  ASSERT_TRUE(start_server(server, "mqtt"));
  for (auto bad : {std::string(), std::string(256, 'a')}) {
    test_client c(options({"mqtt", bad}));
    ASSERT_FALSE(c.connect());
    EXPECT_EQ(c->last_error(), transport_errc::tls_setup_failed) << c->last_error_detail();
    EXPECT_NE(std::string(c->last_error_detail()).find("ALPN protocol names are 1 to 255 bytes"), std::string::npos)
        << c->last_error_detail();
  }
}

}  // namespace
}  // namespace tern::test::proxy_integration_test
