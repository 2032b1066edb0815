#include "ws_link.hpp"

#include <boost/asio/post.hpp>

namespace tern::web_bench {

ws_link::ws_link(net::io_context& ioc, handlers h) : ws_(net::make_strand(ioc)), h_(std::move(h)) {
  ws_.read_message_max(1 << 20);
}

void ws_link::start(const net::ip::tcp::endpoint& server, std::string host, std::string target) {
  host_ = std::move(host);
  target_ = std::move(target);
  auto self = shared_from_this();
  beast::get_lowest_layer(ws_).async_connect(server, [self](beast::error_code ec) {
    if (ec) return self->h_.on_handshake(0, "connect: " + ec.message());
    beast::get_lowest_layer(self->ws_).socket().set_option(net::ip::tcp::no_delay(true));
    self->ws_.async_handshake(self->response_, self->host_, self->target_, [self](beast::error_code ec) {
      int status = static_cast<int>(self->response_.result_int());
      if (ec) return self->h_.on_handshake(status == 101 ? 0 : status, ec.message());
      self->h_.on_handshake(101, {});
      self->read();
    });
  });
}

void ws_link::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      if (!self->closed_) {
        self->closed_ = true;
        if (self->h_.on_closed) self->h_.on_closed(ec.message());
      }
      return;
    }
    auto data = self->buffer_.cdata();
    self->h_.on_frame({static_cast<const char*>(data.data()), data.size()});
    self->buffer_.consume(self->buffer_.size());
    self->read();
  });
}

void ws_link::send(std::string text) {
  out_.push_back(std::move(text));
  if (!writing_) write_next();
}

void ws_link::post(std::function<void()> f) { net::post(ws_.get_executor(), std::move(f)); }

void ws_link::write_next() {
  if (out_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->out_.pop_front();
    if (ec) {
      self->writing_ = false;
      return;  // the read loop reports the end
    }
    self->write_next();
  });
}

}  // namespace tern::web_bench
