// The proxy handshakes, sans I/O: the exact bytes sent, every answer split
// at every position, and every way a proxy can say no or talk nonsense.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tern/transport_error.hpp"
#include "transport/proxy/handshake.hpp"

namespace tern::test::proxy_handshake_test {
namespace {

using transport::proxy::handshake;
using transport::proxy::tunnel_request;

std::vector<std::byte> bytes(std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

std::string text(const std::vector<std::byte>& v) { return {reinterpret_cast<const char*>(v.data()), v.size()}; }

tunnel_request to(std::string_view host, std::uint16_t port) {
  tunnel_request r;
  r.host = host;
  r.port = port;
  return r;
}

tunnel_request with_user(tunnel_request r, std::string_view user, std::string_view password) {
  r.has_credentials = true;
  r.user = user;
  r.password = password;
  return r;
}

// Feeds `answer` split at `cut` (two pieces); returns the first error, the
// bytes sent in reply.
std::error_code feed_split(handshake& hs, const std::vector<std::byte>& answer, std::size_t cut,
                           std::vector<std::byte>& out) {
  bytes_view all(answer);
  if (auto ec = hs.on_bytes(all.first(cut), out)) return ec;
  return hs.on_bytes(all.subspan(cut), out);
}

// ---- HTTP CONNECT ----

TEST(HttpConnect, SendsConnectWithTheHostAndPort) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("broker.example", 8883), out));
  EXPECT_EQ(text(out), "CONNECT broker.example:8883 HTTP/1.1\r\nHost: broker.example:8883\r\n\r\n");
}

TEST(HttpConnect, BracketsAnIpv6Host) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("::1", 1883), out));
  EXPECT_EQ(text(out), "CONNECT [::1]:1883 HTTP/1.1\r\nHost: [::1]:1883\r\n\r\n");
}

TEST(HttpConnect, SendsBasicAuthenticationWhenTheUrlHasAUser) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(with_user(to("b", 1883), "Aladdin", "open sesame"), out));
  // RFC 7617 2's own example.
  EXPECT_NE(text(out).find("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), std::string::npos)
      << text(out);
}

TEST(HttpConnect, RefusesAHostThatWouldInjectHeaders) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  EXPECT_EQ(hs->start(to("b\r\nX-Evil: 1", 1883), out), transport_errc::invalid_proxy_uri);
  EXPECT_EQ(hs->start(to("", 1883), out), transport_errc::invalid_proxy_uri);
}

TEST(HttpConnect, A200SplitAnywhereOpensTheTunnel) {
  for (std::string answer : {"HTTP/1.1 200 Connection established\r\n\r\n",
                             "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n",
                             "HTTP/1.1 200\r\n\r\n"}) {
    auto all = bytes(answer);
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
      auto hs = transport::proxy::make_http_connect();
      std::vector<std::byte> out;
      ASSERT_FALSE(hs->start(to("b", 1883), out));
      out.clear();
      ASSERT_FALSE(feed_split(*hs, all, cut, out)) << answer << " cut at " << cut << ": " << hs->detail();
      EXPECT_TRUE(hs->done());
      EXPECT_TRUE(out.empty());
      EXPECT_EQ(hs->detail().substr(0, 8), "HTTP 200");
    }
  }
}

TEST(HttpConnect, EachByteAloneOpensTheTunnelOnlyAtTheEmptyLine) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("b", 1883), out));
  auto all = bytes("HTTP/1.1 200 OK\r\n\r\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_FALSE(hs->done()) << i;
    ASSERT_FALSE(hs->on_bytes(bytes_view(all).subspan(i, 1), out)) << i;
  }
  EXPECT_TRUE(hs->done());
}

struct refusal {
  const char* answer;
  bool credentials;
  transport_errc expected;
  const char* detail;
};

TEST(HttpConnect, RefusalsSayTheStatus) {
  const refusal table[] = {
      {"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n", false,
       transport_errc::proxy_auth_failed,
       "HTTP 407 Proxy Authentication Required (the proxy URL has no user and password)"},
      {"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", true, transport_errc::proxy_auth_failed,
       "HTTP 407 Proxy Authentication Required"},
      {"HTTP/1.1 401 Unauthorized\r\n\r\n", true, transport_errc::proxy_auth_failed, "HTTP 401 Unauthorized"},
      {"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", false, transport_errc::proxy_refused, "HTTP 403 Forbidden"},
      {"HTTP/1.0 502 Bad Gateway\r\n\r\n", false, transport_errc::proxy_refused, "HTTP 502 Bad Gateway"},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", false, transport_errc::proxy_refused, "HTTP 101 Switching Protocols"},
  };
  for (const auto& r : table) {
    auto hs = transport::proxy::make_http_connect();
    std::vector<std::byte> out;
    auto req = to("b", 1883);
    ASSERT_FALSE(hs->start(r.credentials ? with_user(req, "u", "p") : req, out));
    EXPECT_EQ(hs->on_bytes(bytes(r.answer), out), r.expected) << r.answer;
    EXPECT_EQ(hs->detail(), r.detail);
    EXPECT_FALSE(hs->done());
  }
}

TEST(HttpConnect, GarbageIsAProtocolErrorAtItsFirstBytes) {
  for (std::string answer : {"SSH-2.0-OpenSSH_9.2\r\n", "\x05\x00", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                             "HTTP/1.1 200OK\r\n\r\n"}) {
    auto hs = transport::proxy::make_http_connect();
    std::vector<std::byte> out;
    ASSERT_FALSE(hs->start(to("b", 1883), out));
    EXPECT_EQ(hs->on_bytes(bytes(answer), out), transport_errc::proxy_protocol_error) << answer;
    EXPECT_NE(hs->detail().find("HTTP proxy: "), std::string::npos) << hs->detail();
  }
}

TEST(HttpConnect, AHeaderWithoutEndIsAProtocolError) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("b", 1883), out));
  ASSERT_FALSE(hs->on_bytes(bytes("HTTP/1.1 200 OK\r\n"), out));
  std::string filler = "X-Filler: " + std::string(100, 'a') + "\r\n";
  std::error_code ec;
  for (int i = 0; i < 200 && !ec; ++i) ec = hs->on_bytes(bytes(filler), out);
  EXPECT_EQ(ec, transport_errc::proxy_protocol_error);
  EXPECT_NE(hs->detail().find("no end to its response header"), std::string::npos) << hs->detail();
}

TEST(HttpConnect, BytesAfterTheAnswerAreAProtocolError) {
  auto hs = transport::proxy::make_http_connect();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("b", 1883), out));
  EXPECT_EQ(hs->on_bytes(bytes("HTTP/1.1 200 OK\r\n\r\n\x20\x02\x00\x00"), out), transport_errc::proxy_protocol_error);
  auto hs2 = transport::proxy::make_http_connect();
  ASSERT_FALSE(hs2->start(to("b", 1883), out));
  ASSERT_FALSE(hs2->on_bytes(bytes("HTTP/1.1 200 OK\r\n\r\n"), out));
  EXPECT_EQ(hs2->on_bytes(bytes("x"), out), transport_errc::proxy_protocol_error);
}

// ---- SOCKS5 ----

std::vector<std::byte> raw(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const auto method_none = raw({5, 0});
const auto method_user = raw({5, 2});
const auto auth_ok = raw({1, 0});
const auto reply_ok_v4 = raw({5, 0, 0, 1, 127, 0, 0, 1, 0x07, 0x5b});

TEST(Socks5, OffersNoAuthenticationWithoutAUser) {
  auto hs = transport::proxy::make_socks5();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("broker.example", 1883), out));
  EXPECT_EQ(out, raw({5, 1, 0}));
  out.clear();
  ASSERT_FALSE(hs->on_bytes(method_none, out));
  // CONNECT to a name: the proxy resolves it (ATYP 3).
  auto expected = raw({5, 1, 0, 3, 14});
  expected = concat(expected, bytes("broker.example"));
  expected = concat(expected, raw({0x07, 0x5b}));
  EXPECT_EQ(out, expected);
  out.clear();
  ASSERT_FALSE(hs->on_bytes(reply_ok_v4, out));
  EXPECT_TRUE(hs->done());
  EXPECT_TRUE(out.empty());
}

TEST(Socks5, IpLiteralsGoAsAddresses) {
  auto hs = transport::proxy::make_socks5();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("10.1.2.3", 8883), out));
  out.clear();
  ASSERT_FALSE(hs->on_bytes(method_none, out));
  EXPECT_EQ(out, raw({5, 1, 0, 1, 10, 1, 2, 3, 0x22, 0xb3}));

  auto hs6 = transport::proxy::make_socks5();
  out.clear();
  ASSERT_FALSE(hs6->start(to("::1", 1883), out));
  out.clear();
  ASSERT_FALSE(hs6->on_bytes(method_none, out));
  EXPECT_EQ(out, raw({5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x07, 0x5b}));
}

TEST(Socks5, UserAndPasswordWhenTheProxyAsks) {
  auto hs = transport::proxy::make_socks5();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(with_user(to("b", 1883), "alice", "s3cret"), out));
  EXPECT_EQ(out, raw({5, 2, 0, 2}));
  out.clear();
  ASSERT_FALSE(hs->on_bytes(method_user, out));
  EXPECT_EQ(out, concat(concat(concat(raw({1, 5}), bytes("alice")), raw({6})), bytes("s3cret")));
  out.clear();
  ASSERT_FALSE(hs->on_bytes(auth_ok, out));
  EXPECT_EQ(out, concat(concat(raw({5, 1, 0, 3, 1}), bytes("b")), raw({0x07, 0x5b})));
  out.clear();
  ASSERT_FALSE(hs->on_bytes(reply_ok_v4, out));
  EXPECT_TRUE(hs->done());
}

TEST(Socks5, EveryAnswerSplitAnywhereOpensTheTunnel) {
  // All the proxy says in one exchange with authentication, and a CONNECT
  // reply of each address type; split at every position.
  const std::vector<std::vector<std::byte>> replies = {
      reply_ok_v4,
      raw({5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x07, 0x5b}),
      concat(concat(raw({5, 0, 0, 3, 9}), bytes("localhost")), raw({0x07, 0x5b})),
  };
  for (const auto& reply : replies) {
    auto all = concat(concat(method_user, auth_ok), reply);
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
      auto hs = transport::proxy::make_socks5();
      std::vector<std::byte> out;
      ASSERT_FALSE(hs->start(with_user(to("b", 1883), "u", "p"), out));
      ASSERT_FALSE(feed_split(*hs, all, cut, out)) << "cut at " << cut << ": " << hs->detail();
      EXPECT_TRUE(hs->done()) << cut;
    }
  }
}

TEST(Socks5, ReplyCodesSayWhy) {
  const char* texts[] = {"",
                         "general SOCKS server failure",
                         "connection not allowed by ruleset",
                         "network unreachable",
                         "host unreachable",
                         "connection refused",
                         "TTL expired",
                         "command not supported",
                         "address type not supported"};
  for (int rep = 1; rep <= 8; ++rep) {
    auto hs = transport::proxy::make_socks5();
    std::vector<std::byte> out;
    ASSERT_FALSE(hs->start(to("b", 1883), out));
    ASSERT_FALSE(hs->on_bytes(method_none, out));
    EXPECT_EQ(hs->on_bytes(raw({5, rep, 0, 1, 0, 0, 0, 0, 0, 0}), out), transport_errc::proxy_refused);
    EXPECT_EQ(hs->detail(), "SOCKS5 reply " + std::to_string(rep) + ": " + texts[rep]);
    EXPECT_FALSE(hs->done());
  }
}

TEST(Socks5, NoAcceptableMethodIsAnAuthenticationFailure) {
  auto hs = transport::proxy::make_socks5();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(to("b", 1883), out));
  EXPECT_EQ(hs->on_bytes(raw({5, 0xff}), out), transport_errc::proxy_auth_failed);
  EXPECT_NE(hs->detail().find("the proxy URL has no user and password"), std::string::npos) << hs->detail();
}

TEST(Socks5, RefusedCredentials) {
  auto hs = transport::proxy::make_socks5();
  std::vector<std::byte> out;
  ASSERT_FALSE(hs->start(with_user(to("b", 1883), "u", "wrong"), out));
  ASSERT_FALSE(hs->on_bytes(method_user, out));
  EXPECT_EQ(hs->on_bytes(raw({1, 1}), out), transport_errc::proxy_auth_failed);
  EXPECT_EQ(hs->detail(), "SOCKS5 proxy refused the user name and password (status 1)");
}

TEST(Socks5, NonsenseIsAProtocolError) {
  struct row {
    std::vector<std::byte> answer;
    bool credentials;
  } table[] = {
      {bytes("HTTP/1.1 400 Bad Request\r\n"), false},   // an HTTP proxy
      {raw({4, 0}), false},                               // SOCKS4
      {raw({5, 2}), false},                               // user/password, not offered
      {raw({5, 1}), true},                                // GSSAPI, not offered
      {concat(method_none, raw({4, 0, 0, 1, 0, 0, 0, 0, 0, 0})), false},  // reply version 4
      {concat(method_none, raw({5, 0, 0, 9, 0})), false},                 // address type 9
      {concat(method_none, concat(reply_ok_v4, raw({0x20}))), false},     // bytes after the reply
  };
  for (const auto& r : table) {
    auto hs = transport::proxy::make_socks5();
    std::vector<std::byte> out;
    auto req = to("b", 1883);
    ASSERT_FALSE(hs->start(r.credentials ? with_user(req, "u", "p") : req, out));
    EXPECT_EQ(hs->on_bytes(r.answer, out), transport_errc::proxy_protocol_error) << hs->detail();
    EXPECT_EQ(hs->detail().substr(0, 14), "SOCKS5 proxy: ") << hs->detail();
  }
}

TEST(Socks5, WhatSocksCannotCarryFailsAtStart) {
  std::vector<std::byte> out;
  std::string long_name(256, 'a');
  EXPECT_EQ(transport::proxy::make_socks5()->start(to(long_name, 1883), out), transport_errc::invalid_proxy_uri);
  EXPECT_EQ(transport::proxy::make_socks5()->start(with_user(to("b", 1883), long_name, "p"), out),
            transport_errc::invalid_proxy_uri);
  EXPECT_EQ(transport::proxy::make_socks5()->start(with_user(to("b", 1883), "u", long_name), out),
            transport_errc::invalid_proxy_uri);
  EXPECT_EQ(transport::proxy::make_socks5()->start(with_user(to("b", 1883), "", "p"), out),
            transport_errc::invalid_proxy_uri);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(transport::proxy::make_socks5()->start(to(std::string(255, 'a'), 1883), out));
}

}  // namespace
}  // namespace tern::test::proxy_handshake_test
