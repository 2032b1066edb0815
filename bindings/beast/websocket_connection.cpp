// An open `<prefix>/ws`: the bridge's socket session on a Beast WebSocket.
// Text messages in go to the session; its frames go out one write at a
// time; the facade's thread wakes the connection through `on_ready` (a post
// to its strand). Beast answers pings, pings an idle client, refuses a
// message over the size limit (close 1009) and text that is not UTF-8 (1007).

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "connections.hpp"

namespace tern::beast_binding::detail {

namespace {

namespace websocket = beast::websocket;

// How long a client has to answer the server's close frame.
constexpr std::chrono::seconds close_timeout{2};

class websocket_connection : public connection, public std::enable_shared_from_this<websocket_connection> {
 public:
  websocket_connection(std::shared_ptr<state> st, beast::tcp_stream socket, std::string received,
                       std::shared_ptr<web::socket_session> session)
      : st_(std::move(st)), ws_(std::move(socket)), received_(std::move(received)), session_(std::move(session)) {}

  void start() {
    if (!st_->enroll(shared_from_this())) return session_->close();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = 2 * st_->opts.ping_interval;  // a ping after half of it
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "tern");
    }));
    ws_.read_message_max(st_->opts.bridge.max_socket_message);
    ws_.text(true);
    // A frame carries many events; Beast would otherwise cut every frame
    // over 4 KiB into fragments, each a write of its own.
    ws_.auto_fragment(false);
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
      self->ws_.async_accept(net::buffer(self->received_), [self](beast::error_code ec) { self->on_accept(ec); });
    });
  }

  void shut() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close_with(websocket::close_code::going_away, "the server is stopping");
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    received_ = {};  // copied by Beast
    if (ec) return session_->close();
    session_->on_ready([weak = weak_from_this()] {
      if (auto self = weak.lock()) net::post(self->ws_.get_executor(), [self] { self->pump(); });
    });
    read();
    pump();
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    // Closed by the client, too big, not UTF-8, timed out: Beast has
    // answered the close handshake or failed the connection already; a
    // close of ours would only wait for a peer that is gone.
    if (ec) {
      closing_ = true;
      session_->close();
      if (!writing_) beast::get_lowest_layer(ws_).close();
      return;
    }
    if (!ws_.got_text()) {
      in_.consume(in_.size());
      return close_with(websocket::close_code::unknown_data, "binary messages are not part of the protocol: send JSON text");
    }
    auto text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (!session_->receive(text)) return close_with(websocket::close_code::policy_error, session_->close_reason());
    read();
  }

  // Writes what the session has, one frame at a time.
  void pump() {
    if (writing_ || closing_) return;
    out_ = session_->take();
    if (out_.empty()) {
      if (session_->closed()) close_with(websocket::close_code::going_away, "the server is stopping");
      return;
    }
    writing_ = true;
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec || self->closing_) {
        self->session_->close();
        return beast::get_lowest_layer(self->ws_).close();
      }
      if (auto pending = self->pending_close_) {
        self->pending_close_.reset();
        return self->close_with(static_cast<websocket::close_code>(pending->code),
                                std::string_view(pending->reason.data(), pending->reason.size()));
      }
      self->pump();
    });
  }

  // One close at a time, and never during a write (Beast's rule).
  void close_with(websocket::close_code code, std::string_view reason) {
    if (closing_) return;
    session_->close();
    if (writing_) {
      if (!pending_close_) pending_close_ = websocket::close_reason(code, beast::string_view(reason.data(), reason.size()));
      return;
    }
    closing_ = true;
    // Waiting for the client's answer to our close frame: briefly (Beast
    // counts it against the handshake timeout).
    websocket::stream_base::timeout t{};
    t.handshake_timeout = close_timeout;
    t.idle_timeout = 2 * st_->opts.ping_interval;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.async_close(websocket::close_reason(code, beast::string_view(reason.data(), reason.size())),
                    [self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<state> st_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string received_;
  std::shared_ptr<web::socket_session> session_;
  beast::flat_buffer in_;
  std::string out_;
  std::optional<websocket::close_reason> pending_close_;
  bool writing_ = false, closing_ = false;
};

}  // namespace

void serve_websocket(std::shared_ptr<state> st, beast::tcp_stream socket, std::string received,
                     std::shared_ptr<web::socket_session> session) {
  std::make_shared<websocket_connection>(std::move(st), std::move(socket), std::move(received), std::move(session))
      ->start();
}

}  // namespace tern::beast_binding::detail
