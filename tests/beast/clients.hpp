#pragma once
// Blocking test clients of the Beast binding: an HTTP request, a
// Server-Sent-Events reader and a WebSocket (Beast's own client side), each
// with a deadline so that a broken server fails a test instead of hanging it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tern::beast_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

struct reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

/// One request on a fresh connection.
inline reply request(unsigned short port, http::verb method, const std::string& target, const std::string& body = {},
                     const std::string& content_type = "application/json", const std::string& origin = {},
                     const std::string& user = {}) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  s.expires_after(std::chrono::seconds(10));
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  if (!origin.empty()) req.set(http::field::origin, origin);
  if (!user.empty()) req.set("X-User", user);
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::content_type])};
}

/// The status of the answer to a WebSocket upgrade request (101: accepted).
inline int upgrade_status(unsigned short port, const std::string& target, const std::string& origin = {},
                          const std::string& user = {}) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  s.expires_after(std::chrono::seconds(10));
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  std::string req = "GET " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!origin.empty()) req += "Origin: " + origin + "\r\n";
  if (!user.empty()) req += "X-User: " + user + "\r\n";
  net::write(s.socket(), net::buffer(req + "\r\n"));
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> res;
  res.skip(true);  // the head is enough
  http::read_header(s, buf, res);
  return static_cast<int>(res.get().result_int());
}

/// A WebSocket client of `<prefix>/ws`.
class ws_client {
 public:
  /// Connects and upgrades; `error` holds why it could not (e.g. a 403).
  explicit ws_client(unsigned short port, const std::string& target = "/mqtt/ws", const std::string& origin = {},
                     int receive_buffer = 0, const std::string& user = {})
      : ws_(ioc_) {
    auto& sock = beast::get_lowest_layer(ws_);
    sock.expires_after(std::chrono::seconds(10));
    sock.socket().open(tcp::v4());
    // A small receive buffer: a client that does not read fills it soon.
    if (receive_buffer > 0) sock.socket().set_option(net::socket_base::receive_buffer_size(receive_buffer));
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([origin, user](websocket::request_type& req) {
      if (!origin.empty()) req.set(http::field::origin, origin);
      if (!user.empty()) req.set("X-User", user);
    }));
    beast::error_code ec;
    ws_.handshake(res_, "127.0.0.1", target, ec);
    if (ec) error = ec.message() + " (HTTP " + std::to_string(res_.result_int()) + ")";
    sock.expires_never();
  }

  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  void send_binary(const std::string& data) {
    ws_.binary(true);
    ws_.write(net::buffer(data));
    ws_.text(true);
  }

  /// The next frame's events (one JSON object per line), or nothing when the
  /// socket closed or `timeout` passed (then `closed`/`close_code` say which).
  std::optional<std::vector<std::string>> events(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    beast::get_lowest_layer(ws_).expires_after(timeout);
    beast::flat_buffer buf;
    beast::error_code ec;
    ws_.read(buf, ec);
    if (ec) {
      closed = true;
      close_code = ws_.reason().code;
      close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      return std::nullopt;
    }
    std::vector<std::string> out;
    auto text = beast::buffers_to_string(buf.data());
    for (std::size_t start = 0;;) {
      auto nl = text.find('\n', start);
      out.push_back(text.substr(start, nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  }

  /// Reads until an event containing `part` arrives; all events read so far.
  std::string until(const std::string& part, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto evs = events(std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()));
      if (!evs) break;
      for (auto& e : *evs) {
        seen += e + "\n";
        if (e.find(part) != std::string::npos) return seen;
      }
    }
    return seen;
  }

  tcp::socket& socket() { return beast::get_lowest_layer(ws_).socket(); }

  std::string error;
  bool closed = false;
  std::uint16_t close_code = 0;
  std::string close_reason;
  std::string seen;

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type res_;
};

/// A Server-Sent-Events reader: the raw bytes of the (chunked) body.
class sse_client {
 public:
  sse_client(unsigned short port, const std::string& target) : s_(ioc_) {
    s_.expires_after(std::chrono::seconds(10));
    s_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    net::write(s_.socket(), net::buffer(req));
  }

  /// Reads until the bytes so far contain `part` or the stream ends.
  bool until(const std::string& part, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (text.find(part) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= end) return false;
      s_.expires_at(end);
      beast::error_code ec;
      auto n = s_.read_some(net::buffer(buf), ec);
      if (ec) {
        ended = true;
        return text.find(part) != std::string::npos;
      }
      text.append(buf, n);
    }
    return true;
  }

  tcp::socket& socket() { return s_.socket(); }

  std::string text;
  bool ended = false;

 private:
  net::io_context ioc_;
  beast::tcp_stream s_;
};

}  // namespace tern::beast_test
