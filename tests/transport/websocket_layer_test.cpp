// The WebSocket layer over a socket pair whose near end reads and writes at
// most N bytes at a time, for every N: the upgrade, MQTT bytes both ways as
// binary frames, a ping answered between data, and a refused upgrade.

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "chopped_stream.hpp"
#include "transport/websocket/handshake.hpp"
#include "transport/websocket_layer.hpp"

namespace tern::test::websocket_layer_test {
namespace {

std::string header_value(const std::string& header, const std::string& name) {
  auto at = header.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  at += name.size() + 4;
  return header.substr(at, header.find("\r\n", at) - at);
}

// A server frame (unmasked, RFC 6455 5.2) with a short payload.
std::string server_frame(unsigned opcode, std::string_view payload, bool fin = true) {
  return std::string{static_cast<char>((fin ? 0x80 : 0) | opcode), static_cast<char>(payload.size())} +
         std::string(payload);
}

// Reads one client frame (masked [RFC 6455 5.3], payload < 126 bytes);
// returns opcode and unmasked payload.
std::pair<unsigned, std::string> read_client_frame(local_socket& s) {
  auto head = read_exactly(s, 2);
  unsigned opcode = static_cast<unsigned char>(head[0]) & 0x0f;
  EXPECT_TRUE(static_cast<unsigned char>(head[1]) & 0x80) << "client frames are masked";
  auto len = static_cast<unsigned char>(head[1]) & 0x7f;
  auto mask = read_exactly(s, 4);
  auto payload = read_exactly(s, len);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
  return {opcode, payload};
}

// The server's side of the upgrade, answering in pieces of `piece` bytes.
void accept_upgrade(local_socket& s, std::size_t piece) {
  auto request = read_http_header(s);
  ASSERT_EQ(request.rfind("GET /mqtt HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_EQ(header_value(request, "Sec-WebSocket-Protocol"), "mqtt");  // [MQTT-6.0.0-3]
  std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: " +
                         websocket::accept_for(header_value(request, "Sec-WebSocket-Key")) +
                         "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
  write_in_pieces(s, response, piece);
}

// Runs handlers until `done()`. An io_context stops when it runs out of
// work (between the phases of a test): restarted first.
template <class Done>
void run_until(socket_pair& p, Done&& done) {
  p.io.restart();
  while (!done() && p.io.run_one_for(std::chrono::seconds(2))) {
  }
}

TEST(WebSocketLayer, UpgradesAndCarriesMqttWithEveryReadAndWriteSize) {
  const std::string connack("\x20\x02\x00\x00", 4), pingreq("\xc0\x00", 2);
  for (std::size_t n = 1; n <= 160; n += (n < 20 ? 1 : 17)) {
    SCOPED_TRACE("at most " + std::to_string(n) + " bytes per read and write");
    socket_pair p;
    chopped_stream lower(p.near, n);
    transport::websocket_layer<chopped_stream> ws(lower);
    std::string detail;
    std::optional<std::error_code> opened;
    std::thread server([&] {
      accept_upgrade(p.far, n);
      // A CONNACK split over two frames, a ping between them.
      write_in_pieces(p.far, server_frame(0x2, connack.substr(0, 1), false) + server_frame(0x9, "hi") +
                                 server_frame(0x0, connack.substr(1)),
                      n);
      auto pong = read_client_frame(p.far);
      EXPECT_EQ(pong, (std::pair<unsigned, std::string>{0xA, "hi"}));
      auto data = read_client_frame(p.far);
      EXPECT_EQ(data, (std::pair<unsigned, std::string>{0x2, pingreq}));
    });
    ws.async_open("broker", 80, false, "/mqtt", websocket_options{}, detail, [&](std::error_code ec) { opened = ec; });
    run_until(p, [&] { return opened.has_value(); });
    ASSERT_TRUE(opened);
    ASSERT_FALSE(*opened) << detail;

    std::string got;
    std::array<char, 3> buf;
    std::function<void(std::error_code, std::size_t)> on_read = [&](std::error_code ec, std::size_t k) {
      ASSERT_FALSE(ec) << ec.message();
      got.append(buf.data(), k);
      if (got.size() < connack.size()) ws.async_read_some(asio::buffer(buf), on_read);
    };
    ws.async_read_some(asio::buffer(buf), on_read);
    run_until(p, [&] { return got.size() >= connack.size(); });
    EXPECT_EQ(got, connack);

    bool written = false;
    std::array<asio::const_buffer, 2> out{asio::buffer(pingreq.data(), 1), asio::buffer(pingreq.data() + 1, 1)};
    ws.async_write(out, [&](std::error_code ec, std::size_t k) {
      EXPECT_FALSE(ec);
      EXPECT_EQ(k, 2u);
      written = true;
    });
    run_until(p, [&] { return written; });
    server.join();
  }
}

TEST(WebSocketLayer, ARefusedUpgradeSaysTheStatus) {
  socket_pair p;
  chopped_stream lower(p.near, 7);
  transport::websocket_layer<chopped_stream> ws(lower);
  std::string detail;
  std::optional<std::error_code> opened;
  std::thread server([&] {
    read_http_header(p.far);
    write_in_pieces(p.far, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 5);
  });
  ws.async_open("broker", 80, false, "/nowhere", websocket_options{}, detail, [&](std::error_code ec) { opened = ec; });
  run_until(p, [&] { return opened.has_value(); });
  server.join();
  ASSERT_TRUE(opened);
  EXPECT_TRUE(*opened);
  EXPECT_NE(detail.find("HTTP 404 Not Found"), std::string::npos) << detail;
}

TEST(WebSocketLayer, SendsTheExtraHeaders) {
  socket_pair p;
  chopped_stream lower(p.near, 1000);
  transport::websocket_layer<chopped_stream> ws(lower);
  std::string detail, request;
  std::optional<std::error_code> opened;
  websocket_options options;
  options.headers = {{"Authorization", "Bearer t0ken"}};
  std::thread server([&] {
    request = read_http_header(p.far);
    p.far.close();
  });
  ws.async_open("b", 8080, false, "/mqtt", options, detail, [&](std::error_code ec) { opened = ec; });
  run_until(p, [&] { return opened.has_value(); });
  server.join();
  EXPECT_EQ(header_value(request, "Authorization"), "Bearer t0ken") << request;
  EXPECT_EQ(header_value(request, "Host"), "b:8080") << request;
  ASSERT_TRUE(opened);
  EXPECT_NE(detail.find("no WebSocket upgrade response"), std::string::npos) << detail;
}

}  // namespace
}  // namespace tern::test::websocket_layer_test
