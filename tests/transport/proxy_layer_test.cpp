// The proxy layer over a socket pair: a scripted proxy on the other end
// answers in pieces of every size; once the tunnel is open the layer is
// transparent. And a proxy that closes mid-handshake.

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "chopped_stream.hpp"
#include "tern/transport_error.hpp"
#include "transport/proxy_layer.hpp"

namespace tern::test::proxy_layer_test {
namespace {

using socket_t = local_socket;
using pair = socket_pair;

transport::proxy::tunnel_request to_broker() {
  transport::proxy::tunnel_request r;
  r.host = "broker";
  r.port = 1883;
  return r;
}

// Opens the layer over `p.near`, read and written at most `limit` bytes at a
// time, while `proxy_script` plays the proxy on its own thread; returns the
// result (nothing if none came within 2 s).
std::optional<std::error_code> open_with(pair& p, std::unique_ptr<transport::proxy::handshake> hs, std::string& detail,
                                         const std::function<void(socket_t&)>& proxy_script,
                                         std::size_t limit = 4096) {
  std::optional<std::error_code> result;
  chopped_stream lower(p.near, limit);
  transport::async_proxy_open(lower, std::move(hs), to_broker(), detail, [&](std::error_code ec) { result = ec; });
  std::thread proxy([&] { proxy_script(p.far); });
  while (!result && p.io.run_one_for(std::chrono::seconds(2))) {
  }
  proxy.join();
  return result;
}

TEST(ProxyLayer, HttpConnectOpensWithEveryReadAndWriteSize) {
  const std::string request = "CONNECT broker:1883 HTTP/1.1\r\nHost: broker:1883\r\n\r\n";
  const std::string answer = "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n";
  for (std::size_t piece = 1; piece <= answer.size(); ++piece) {
    pair p;
    std::string detail;
    auto result = open_with(
        p, transport::proxy::make_http_connect(), detail,
        [&](socket_t& proxy) {
          EXPECT_EQ(read_exactly(proxy, request.size()), request);
          write_in_pieces(proxy, answer, piece);
        },
        piece);
    ASSERT_TRUE(result) << "piece " << piece;
    ASSERT_FALSE(*result) << "piece " << piece << ": " << result->message() << " " << detail;

    // Transparent: the broker's bytes and the client's pass untouched.
    asio::write(p.near, asio::buffer(std::string("\x10\x0c")));
    EXPECT_EQ(read_exactly(p.far, 2), "\x10\x0c");
    asio::write(p.far, asio::buffer(std::string("\x20\x02\x00\x00", 4)));
    EXPECT_EQ(read_exactly(p.near, 4), std::string("\x20\x02\x00\x00", 4));
  }
}

TEST(ProxyLayer, Socks5OpensWithEveryReadAndWriteSize) {
  const std::string method = {5, 0};
  const std::string reply = {5, 0, 0, 1, 127, 0, 0, 1, 0x07, 0x5b};
  for (std::size_t piece = 1; piece <= reply.size(); ++piece) {
    pair p;
    std::string detail;
    auto result = open_with(
        p, transport::proxy::make_socks5(), detail,
        [&](socket_t& proxy) {
          read_exactly(proxy, 3);  // greeting
          write_in_pieces(proxy, method, std::min(piece, method.size()));
          read_exactly(proxy, 4 + 1 + 6 + 2);  // CONNECT to "broker"
          write_in_pieces(proxy, reply, piece);
        },
        piece);
    ASSERT_TRUE(result) << "piece " << piece;
    EXPECT_FALSE(*result) << "piece " << piece << ": " << detail;
  }
}

TEST(ProxyLayer, AProxyThatClosesMidHandshakeIsProxyClosed) {
  for (std::size_t sent : {0u, 1u, 17u}) {
    pair p;
    std::string detail;
    auto result = open_with(p, transport::proxy::make_http_connect(), detail, [&](socket_t& proxy) {
      read_exactly(proxy, 51);  // the request
      asio::write(proxy, asio::buffer(std::string("HTTP/1.1 200 Connection established\r\n").substr(0, sent)));
      proxy.close();
    });
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, transport_errc::proxy_closed) << sent;
    EXPECT_NE(detail.find("closed the connection"), std::string::npos) << detail;
  }
}

TEST(ProxyLayer, ARefusalSaysTheProxysAnswer) {
  pair p;
  std::string detail;
  auto result = open_with(p, transport::proxy::make_http_connect(), detail, [&](socket_t& proxy) {
    read_exactly(proxy, 51);
    asio::write(proxy, asio::buffer(std::string("HTTP/1.1 403 Forbidden\r\n\r\n")));
  });
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, transport_errc::proxy_refused);
  EXPECT_EQ(detail, "HTTP 403 Forbidden");
}

}  // namespace
}  // namespace tern::test::proxy_layer_test
