// POST /mqtt/publish over a keep-alive connection (Boost.Beast's HTTP
// client); a new connection when the server closes one (cpp-httplib closes
// a keep-alive connection after a few requests), its connect counted in
// the latency of the request that needed it.

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "stamp.hpp"
#include "up_kinds.hpp"

namespace tern::web_bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

class http_poster : public up_client, public std::enable_shared_from_this<http_poster> {
 public:
  http_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally)
      : stream_(net::make_strand(ioc)),
        server_(net::ip::make_address(spec.at.host), static_cast<unsigned short>(spec.at.port)),
        tally_(tally) {
    req_.method(http::verb::post);
    req_.target("/mqtt/publish");
    req_.version(11);
    req_.set(http::field::host, spec.at.host + ":" + std::to_string(spec.at.port));
    req_.set(http::field::content_type, "application/json");
    req_.keep_alive(true);
    req_.body() = R"({"topic":")" + spec.topic + R"(","message":")" + spec.message + R"(","qos":0})";
    req_.prepare_payload();
  }

  void connect(std::function<void(bool)> done) override {
    open([self = shared_from_this(), done](bool ok) {
      if (ok) self->tally_.on_connected();
      done(ok);
    });
  }

  void run(std::int64_t until_ns) override {
    net::post(stream_.get_executor(), [self = shared_from_this(), until_ns] {
      self->until_ns_ = until_ns;
      self->next();
    });
  }

 private:
  void open(std::function<void(bool)> done) {
    stream_.async_connect(server_, [self = shared_from_this(), done](beast::error_code ec) {
      if (ec) self->tally_.on_error("connect: " + ec.message());
      else self->stream_.socket().set_option(tcp::no_delay(true));
      self->open_ = !ec;
      done(!ec);
    });
  }

  void next() {
    if (mono_ns() >= until_ns_ || errors_in_row_ > 100) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    started_ns_ = mono_ns();
    if (open_) return send();
    stream_.close();
    open([self = shared_from_this()](bool ok) {
      if (!ok) return self->failed();
      self->send();
    });
  }

  void send() {
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->tally_.on_error("write: " + ec.message()), self->failed();
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_,
                       [self](beast::error_code ec, std::size_t) { self->answered(ec); });
    });
  }

  void answered(beast::error_code ec) {
    if (ec) {
      // A keep-alive connection the server closed as the request went out:
      // not the server's refusal, so sent again on a new connection.
      if (ec == http::error::end_of_stream || ec == net::error::connection_reset || ec == net::error::eof) {
        open_ = false;
        buffer_.clear();
        return next();
      }
      tally_.on_error("read: " + ec.message());
      return failed();
    }
    errors_in_row_ = 0;
    bool ok = res_.result_int() == 200;
    tally_.on_answer(mono_ns() - started_ns_, ok,
                     ok ? std::string_view{} : "HTTP " + std::to_string(res_.result_int()) + ": " + res_.body());
    if (!res_.keep_alive()) {
      open_ = false;
      buffer_.clear();
    }
    next();
  }

  void failed() {
    ++errors_in_row_;
    open_ = false;
    buffer_.clear();
    next();
  }

  beast::tcp_stream stream_;
  tcp::endpoint server_;
  up_tally& tally_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
  std::int64_t until_ns_ = 0, started_ns_ = 0;
  bool open_ = false;
  int errors_in_row_ = 0;
};

}  // namespace

std::shared_ptr<up_client> make_http_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally) {
  return std::make_shared<http_poster>(ioc, spec, tally);
}

}  // namespace tern::web_bench
