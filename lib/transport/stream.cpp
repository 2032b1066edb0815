#include "transport/stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <asio/steady_timer.hpp>

#include "transport/proxy_layer.hpp"
#include "transport/tls_context.hpp"

namespace tern::transport {

void stream::async_open(const broker_uri& uri, const transport_options& options, open_handler done) {
  detail_.clear();
  // Posted, like every other completion: the caller may hold a lock its own
  // handler takes (the client's io_mutex_).
  auto fail_now = [this](open_handler& d, std::error_code ec) { asio::post(ex_, [d = std::move(d), ec] { d(ec); }); };
  proxy_.reset();
  if (!options.proxy.url.empty()) {
    auto p = parse_proxy_uri(options.proxy.url);
    if (!p) {
      // Not the URL itself: it may hold a password.
      detail_ = "the proxy URL cannot be parsed (use http://[user[:password]@]host[:port] or socks5h://...)";
      return fail_now(done, p.error());
    }
    proxy_ = std::make_unique<proxy_uri>(std::move(*p));
  }
#if !TERN_HAS_TLS
  if (uri.tls) return fail_now(done, make_error_code(transport_errc::tls_unavailable));
#else
  // Before the network: an unreadable CA file or key is a configuration
  // error, and must not hide behind "connection refused".
  if (uri.tls && !ctx_) {
    auto ctx = make_tls_context(options.tls, detail_);
    if (!ctx) return fail_now(done, ctx.error());
    ctx_ = *ctx;
  }
#endif
  const std::string& host = proxy_ ? proxy_->host : uri.host;
  auto port = proxy_ ? proxy_->port : uri.port;
  std::string what = proxy_ ? "the proxy " + proxy_->display : host + ":" + std::to_string(port);
  tcp_.async_open(host, port, options.tcp_nodelay, std::move(what), detail_,
                  [this, &uri, &options, done = std::move(done)](std::error_code ec) mutable {
                    if (ec) return done(ec);
                    if (proxy_) return open_proxy(uri, options, std::move(done));
                    open_above_tunnel(uri, options, std::move(done));
                  });
}

void stream::open_proxy(const broker_uri& uri, const transport_options& options, open_handler done) {
  proxy::tunnel_request request;
  request.host = uri.host;
  request.port = uri.port;
  request.has_credentials = proxy_->has_credentials;
  request.user = proxy_->user;
  request.password = proxy_->password;
  auto hs = proxy_->type == proxy_uri::kind::http ? proxy::make_http_connect() : proxy::make_socks5();
  async_proxy_open(tcp_.socket(), std::move(hs), request, detail_,
                   [this, &uri, &options, done = std::move(done)](std::error_code ec) mutable {
                     if (ec) {
                       detail_ = "proxy " + proxy_->display + " (to " + uri.host + ":" + std::to_string(uri.port) +
                                 "): " + detail_;
                       return done(ec);
                     }
                     open_above_tunnel(uri, options, std::move(done));
                   });
}

void stream::open_above_tunnel(const broker_uri& uri, const transport_options& options, open_handler done) {
  if (!uri.tls) {
    if (uri.websocket) return open_websocket(uri, options, std::move(done));
    return done({});
  }
#if !TERN_HAS_TLS
  done(make_error_code(transport_errc::tls_unavailable));
#else
  tls_ = std::make_unique<tls_layer<tcp_socket>>(tcp_.socket(), *ctx_);
  tls_->async_open(uri.host, options.tls, detail_, [this, &uri, &options, done = std::move(done)](std::error_code ec) mutable {
    if (ec || !uri.websocket) return done(ec);
    open_websocket(uri, options, std::move(done));
  });
#endif
}

void stream::open_websocket(const broker_uri& uri, const transport_options& options, open_handler done) {
  ws_ = std::make_unique<websocket_layer<below_ws>>(below_);
  ws_->async_open(uri.host, uri.port, uri.tls, uri.path, options.websocket, detail_, std::move(done));
}

void stream::linger_close(std::shared_ptr<stream> self, std::chrono::milliseconds timeout,
                          std::function<void()> done) {
  struct linger : std::enable_shared_from_this<linger> {
    linger(std::shared_ptr<stream> s, std::function<void()> d)
        : owner(std::move(s)), timer(owner->ex_), done(std::move(d)) {}
    std::shared_ptr<transport::stream> owner;
    asio::steady_timer timer;
    std::array<char, 4096> sink{};
    std::function<void()> done;
    bool finished = false;

    void finish() {
      if (finished) return;
      finished = true;
      timer.cancel();
      owner->close();
      if (done) done();
    }
    // Raw TCP, under any TLS or WebSocket layer: the bytes are thrown away.
    void read() {
      owner->tcp_.socket().async_read_some(asio::buffer(sink), [l = shared_from_this()](std::error_code e, std::size_t) {
        if (e) return l->finish();  // the peer closed too (eof), or the timer closed the socket
        l->read();
      });
    }
  };
  auto l = std::make_shared<linger>(std::move(self), std::move(done));
  std::error_code ec;
  l->owner->tcp_.cancel_resolve();
  // The client's own read is still pending: cancel it, or it would take the
  // broker's end-of-stream and the linger would wait for its timeout.
  l->owner->tcp_.socket().cancel(ec);
  l->owner->tcp_.socket().shutdown(tcp_socket::shutdown_send, ec);
  if (ec) return l->finish();
  l->timer.expires_after(timeout);
  l->timer.async_wait([l](std::error_code e) {
    if (!e) l->finish();
  });
  l->read();
}

std::size_t stream::write_now(std::span<const asio::const_buffer> data) noexcept {
  std::array<iovec, 8> iov;
  std::size_t count = std::min(data.size(), iov.size());
  for (std::size_t i = 0; i < count; ++i) iov[i] = {const_cast<void*>(data[i].data()), data[i].size()};
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = count;
  auto n = ::sendmsg(tcp_.socket().native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void stream::ack_promptly() noexcept {
#ifdef TCP_QUICKACK
  int on = 1;
  // Best effort: a socket that refuses it just keeps delaying its ACKs.
  (void)::setsockopt(tcp_.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#endif
}

}  // namespace tern::transport
