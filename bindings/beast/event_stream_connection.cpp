// An open `GET <prefix>/events`: a chunked text/event-stream response the
// bridge's event stream feeds. Woken by the facade's thread through
// `on_ready` (a post to the connection's strand); a keep-alive timer; and a
// read that only waits for the client to go.

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>

#include "connections.hpp"

namespace tern::beast_binding::detail {

namespace {

constexpr std::string_view head =
    "HTTP/1.1 200 OK\r\n"
    "Server: tern\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-cache\r\n"
    "X-Accel-Buffering: no\r\n"  // nginx: do not buffer the stream
    "Transfer-Encoding: chunked\r\n"
    "\r\n";

class event_stream_connection : public connection, public std::enable_shared_from_this<event_stream_connection> {
 public:
  event_stream_connection(std::shared_ptr<state> st, beast::tcp_stream socket, std::shared_ptr<web::event_stream> es)
      : st_(std::move(st)), stream_(std::move(socket)), es_(std::move(es)), timer_(stream_.get_executor()) {}

  void start() {
    if (!st_->enroll(shared_from_this())) return es_->close();
    es_->on_ready([weak = weak_from_this()] {
      if (auto self = weak.lock()) net::post(self->stream_.get_executor(), [self] { self->pump(); });
    });
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->out_ = head;
      self->pump();
      self->watch_client();
      self->tick();
    });
  }

  void shut() override { es_->close(); }  // wakes pump(), which ends the body

 private:
  // Writes what the stream has, one write at a time.
  void pump() {
    if (writing_ || done_) return;
    auto data = es_->take();
    if (!data.empty()) {
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      out_.append(size).append(data).append("\r\n");
    }
    if (es_->closed()) {
      out_ += "0\r\n\r\n";  // the end of the chunked body
      done_ = true;
    }
    if (out_.empty()) return;
    writing_ = true;
    net::async_write(stream_.socket(), net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->out_.clear();
      if (ec || self->done_) return self->end();
      self->pump();
    });
  }

  // An event stream's client sends nothing after its request: a read
  // completes when it goes (or sends garbage, which ends it too).
  void watch_client() {
    stream_.socket().async_read_some(net::buffer(probe_), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->es_->close();
      self->end();
    });
  }

  // Keep-alives: take() gives one when the stream was quiet long enough.
  void tick() {
    timer_.expires_after(st_->opts.bridge.keepalive_interval);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->ended_) return;
      self->pump();
      self->tick();
    });
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    es_->close();
    timer_.cancel();
    beast::error_code ec;  // a write under way completes, aborted

    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  std::shared_ptr<state> st_;
  beast::tcp_stream stream_;
  std::shared_ptr<web::event_stream> es_;
  net::steady_timer timer_;
  std::string out_;
  char probe_[64];
  bool writing_ = false, done_ = false, ended_ = false;
};

}  // namespace

void serve_event_stream(std::shared_ptr<state> st, beast::tcp_stream socket, std::shared_ptr<web::event_stream> stream) {
  std::make_shared<event_stream_connection>(std::move(st), std::move(socket), std::move(stream))->start();
}

}  // namespace tern::beast_binding::detail
