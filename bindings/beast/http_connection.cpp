// A connection's HTTP requests: the bridge's endpoints under the prefix,
// the application's fallback elsewhere; an event stream or a WebSocket
// upgrade takes the connection over.

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>
#include <sstream>

#include "connections.hpp"

namespace tern::beast_binding::detail {

namespace http = beast::http;

namespace {

// A client that opens a connection and sends nothing (or a request slowly)
// gives it up after this long.
constexpr std::chrono::seconds request_timeout{30};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// As a browser's URLSearchParams (and cpp-httplib): %XX and '+' for a space.
// A filter's '+' wildcard is sent as %2B (encodeURIComponent).
std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    out.emplace_back(url_decode(part.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1)));
  }
  return out;
}

std::string_view header(const request& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

class http_connection : public connection, public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(std::shared_ptr<state> st, tcp::socket socket) : st_(std::move(st)), stream_(std::move(socket)) {}

  void start() {
    if (!st_->enroll(shared_from_this())) return;
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  void shut() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(st_->opts.max_request_body);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      request head = parser_->release();
      web::http_response too_big{413, "application/json", R"({"error":"the request body is too large"})"};
      auto res = beast_response(too_big, head);
      res.keep_alive(false);
      return write(std::move(res));
    }
    if (ec) return stream_.close();  // the end of the connection, a timeout, or not HTTP
    request req = parser_->release();
    std::string_view query;
    auto path = st_->local_path(std::string_view(req.target().data(), req.target().size()), query);
    if (!path) return write(fallback(req));
    std::string identity = st_->opts.identify ? st_->opts.identify(req) : std::string();
    web::http_request r;
    r.method = std::string_view(req.method_string().data(), req.method_string().size());
    r.path = *path;
    r.query = parse_query(query);
    r.body = req.body();
    r.content_type = header(req, http::field::content_type);
    r.origin = header(req, http::field::origin);
    r.identity = identity;

    std::shared_lock lock(st_->bridge_m);
    if (!st_->bridge) return write(beast_response({503, "application/json", R"({"error":"the MQTT binding is stopped"})"}, req));
    if (*path == "/ws" && beast::websocket::is_upgrade(req)) {
      auto opened = st_->bridge->open_socket(r);
      if (auto* refused = std::get_if<web::http_response>(&opened)) return write(beast_response(*refused, req));
      lock.unlock();
      stream_.expires_never();
      // A client may send its first frames right behind the upgrade request:
      // they are in buffer_ already. Beast's accept takes either a parsed
      // request or the bytes received so far, not both: so the request
      // goes back to bytes, with what followed it.
      std::ostringstream raw;
      raw << req;
      auto received = raw.str() + beast::buffers_to_string(buffer_.data());
      return serve_websocket(st_, std::move(stream_), std::move(received),
                             std::get<std::shared_ptr<web::socket_session>>(std::move(opened)));
    }
    if (*path == "/events" && req.method() == http::verb::get) {
      auto opened = st_->bridge->open_stream(r);
      if (auto* refused = std::get_if<web::http_response>(&opened)) return write(beast_response(*refused, req));
      lock.unlock();
      stream_.expires_never();
      return serve_event_stream(st_, std::move(stream_), std::get<std::shared_ptr<web::event_stream>>(std::move(opened)));
    }
    write(beast_response(st_->bridge->handle(r), req));
  }

  response fallback(const request& req) {
    if (st_->opts.fallback)
      if (auto res = st_->opts.fallback(req)) {
        res->prepare_payload();
        return std::move(*res);
      }
    return beast_response({404, "text/plain", "not found\n"}, req);
  }

  void write(response res) {
    res_ = std::make_shared<response>(std::move(res));
    stream_.expires_after(request_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      bool again = !ec && self->res_->keep_alive() && !self->st_->stopped;
      self->res_.reset();
      if (again) return self->read();
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->stream_.close();
    });
  }

  std::shared_ptr<state> st_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<response> res_;
};

}  // namespace

response beast_response(const web::http_response& r, const request& req) {
  response res{static_cast<http::status>(r.status), req.version()};
  res.set(http::field::server, "tern");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

void serve_http(std::shared_ptr<state> st, tcp::socket socket) {
  std::make_shared<http_connection>(std::move(st), std::move(socket))->start();
}

}  // namespace tern::beast_binding::detail
