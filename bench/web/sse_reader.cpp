// The SSE reader: a raw HTTP/1.1 GET and a hand-written parse, cheaper than
// any HTTP library's: headers once, then the body (de-chunked when
// chunked) split into lines, each `data:` line scanned for payloads.

#include <boost/asio/connect.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <memory>
#include <string>

#include "chunked_body.hpp"
#include "reader_kinds.hpp"

namespace tern::web_bench {
namespace {

namespace net = boost::asio;
using net::ip::tcp;

class sse_connection : public std::enable_shared_from_this<sse_connection> {
 public:
  sse_connection(net::io_context& ioc, down_tally& tally, std::size_t i, opened_fn opened)
      : socket_(net::make_strand(ioc)), tally_(tally), i_(i), opened_(std::move(opened)) {}

  void start(const tcp::endpoint& server, const endpoint_spec& at) {
    request_ = "GET /mqtt/events?topic=" + url_encode(at.filter) + " HTTP/1.1\r\nHost: " + at.host + ":" +
               std::to_string(at.port) + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
    socket_.async_connect(server, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      net::async_write(self->socket_, net::buffer(self->request_),
                       [self](boost::system::error_code ec, std::size_t) {
                         if (ec) return self->fail("write: " + ec.message());
                         self->read();
                       });
    });
  }

 private:
  void read() {
    socket_.async_read_some(net::buffer(buf_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->fail(ec.message());
      if (!self->feed({self->buf_.data(), n})) return;
      self->read();
    });
  }

  // false: the stream is over (refused, or the body was malformed).
  bool feed(std::string_view in) {
    if (!in_body_) {
      head_.append(in);
      auto end = head_.find("\r\n\r\n");
      if (end == std::string::npos) return head_.size() < 65536 || (fail("headers too long"), false);
      int status = head_.size() > 12 ? std::atoi(head_.c_str() + 9) : 0;
      if (status != 200) {
        auto body = head_.substr(end + 4, 120);
        tally_.on_refused("HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body));
        return finish_opening(), false;
      }
      std::string lower(head_.substr(0, end));
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
      in_body_ = true;
      tally_.on_open(i_);
      finish_opening();
      std::string rest = head_.substr(end + 4);
      head_.clear();
      return body(rest);
    }
    return body(in);
  }

  bool body(std::string_view in) {
    if (!chunked_) return lines(in), true;
    if (chunks_.feed(in, [this](std::string_view piece) { lines(piece); })) return true;
    tally_.on_lost(i_);
    return false;
  }

  void lines(std::string_view in) {
    while (!in.empty()) {
      auto nl = in.find('\n');
      if (nl == std::string_view::npos) {
        line_.append(in);
        return;
      }
      if (line_.empty()) {
        line(in.substr(0, nl));
      } else {
        line_.append(in.substr(0, nl));
        line(line_);
        line_.clear();
      }
      in.remove_prefix(nl + 1);
    }
  }

  void line(std::string_view l) {
    if (l.starts_with("data:")) tally_.scan(i_, l);
  }

  void fail(const std::string& why) {
    if (in_body_) return tally_.on_lost(i_);
    if (opened_) tally_.on_failed(why);
    finish_opening();
  }

  void finish_opening() {
    if (opened_) std::exchange(opened_, nullptr)();
  }

  tcp::socket socket_;
  down_tally& tally_;
  std::size_t i_;
  opened_fn opened_;
  std::string request_, head_, line_;
  std::array<char, 16384> buf_;
  bool in_body_ = false, chunked_ = false;
  chunked_body chunks_;
};

}  // namespace

void open_sse(net::io_context& ioc, const tcp::endpoint& server, const endpoint_spec& at, down_tally& tally,
              std::size_t i, opened_fn opened) {
  std::make_shared<sse_connection>(ioc, tally, i, std::move(opened))->start(server, at);
}

}  // namespace tern::web_bench
