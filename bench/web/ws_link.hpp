#pragma once
// One WebSocket client connection (Boost.Beast) for the readers and the
// up-path clients: connect, handshake, a read loop handing each text frame
// to `on_frame`, and `send` with its own queue (Beast allows one write at a
// time). Every handler runs on the link's strand.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tern::web_bench {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp_endpoint = net::ip::tcp::endpoint;

class ws_link : public std::enable_shared_from_this<ws_link> {
 public:
  struct handlers {
    /// The handshake ended: `status` 101 when upgraded, the HTTP status of a
    /// refusal, or 0 with `error` when no answer came.
    std::function<void(int status, const std::string& error)> on_handshake;
    std::function<void(std::string_view frame)> on_frame;
    /// The connection ended after a successful handshake.
    std::function<void(const std::string& error)> on_closed;
  };

  ws_link(net::io_context& ioc, handlers h);

  void start(const net::ip::tcp::endpoint& server, std::string host, std::string target);
  /// Queues a text frame; callable only from the link's handlers (its strand).
  void send(std::string text);
  /// Posts a call onto the link's strand.
  void post(std::function<void()> f);

 private:
  void read();
  void write_next();

  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closed_ = false;
  handlers h_;
  std::string host_, target_;
};

}  // namespace tern::web_bench
