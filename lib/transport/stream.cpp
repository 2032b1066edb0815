#include "transport/stream.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <asio/steady_timer.hpp>

#include "transport/proxy_layer.hpp"
#include "transport/tls_context.hpp"

#if TERN_HAS_TLS
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#endif

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
    proxy_ = std::move(*p);
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
  resolver_.async_resolve(
      host, std::to_string(port),
      [this, &uri, &options, what, done = std::move(done)](std::error_code ec, tcp_resolver::results_type rs) mutable {
        if (ec) {
          detail_ = "cannot resolve " + what + ": " + ec.message();
          return done(ec);
        }
        asio::async_connect(tcp_, rs,
                            [this, &uri, &options, what, done = std::move(done)](std::error_code ec2, const auto&) mutable {
                              if (ec2) {
                                detail_ = "cannot connect to " + what + ": " + ec2.message();
                                return done(ec2);
                              }
                              on_tcp_open(uri, options, std::move(done));
                            });
      });
}

void stream::on_tcp_open(const broker_uri& uri, const transport_options& options, open_handler done) {
  std::error_code ec;
  if (options.tcp_nodelay) tcp_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (proxy_) return open_proxy(uri, options, std::move(done));
  open_above_tunnel(uri, options, std::move(done));
}

void stream::open_proxy(const broker_uri& uri, const transport_options& options, open_handler done) {
  proxy::tunnel_request request;
  request.host = uri.host;
  request.port = uri.port;
  request.has_credentials = proxy_->has_credentials;
  request.user = proxy_->user;
  request.password = proxy_->password;
  auto hs = proxy_->type == proxy_uri::kind::http ? proxy::make_http_connect() : proxy::make_socks5();
  async_proxy_open(tcp_, std::move(hs), request, detail_,
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
  if (uri.tls) return open_tls(uri, options, std::move(done));
  if (uri.websocket) return start_websocket(uri, options, std::move(done));
  done({});
}

void stream::open_tls(const broker_uri& uri, const transport_options& options, open_handler done) {
#if !TERN_HAS_TLS
  (void)uri;
  (void)options;
  done(make_error_code(transport_errc::tls_unavailable));
#else
  std::error_code ec;
  tls_.emplace(tcp_, *ctx_);
  // SNI, so that brokers behind a TLS front end pick the right certificate.
  SSL_set_tlsext_host_name(tls_->native_handle(), uri.host.c_str());
  bool insecure = options.tls.insecure;
  std::string host = uri.host;
  tls_->set_verify_callback(
      [this, insecure, host](bool preverified, asio::ssl::verify_context& vc) {
        if (!preverified) {
          int err = X509_STORE_CTX_get_error(vc.native_handle());
          detail_ = std::string("certificate verification failed: ") + X509_verify_cert_error_string(err);
          return false;
        }
        if (insecure) return true;  // the chain is verified; only the host name check is skipped
        bool ok = asio::ssl::host_name_verification(host)(preverified, vc);
        if (!ok) detail_ = "certificate does not match the host name '" + host + "'";
        return ok;
      },
      ec);
  tls_->async_handshake(asio::ssl::stream_base::client,
                        [this, &uri, &options, done = std::move(done)](std::error_code ec2) mutable {
                          if (ec2 && detail_.empty()) detail_ = "TLS handshake failed: " + ec2.message();
                          ec2 = ec2 ? alpn_alert(ec2, options.tls, detail_)
                                    : check_alpn(tls_->native_handle(), options.tls, detail_);
                          if (ec2 || !uri.websocket) return done(ec2);
                          start_websocket(uri, options, std::move(done));
                        });
#endif
}

void stream::start_websocket(const broker_uri& uri, const transport_options& options, open_handler done) {
  ws_.emplace([this](std::span<std::byte> out) {
    for (auto& b : out) b = static_cast<std::byte>(mask_rng_());
  });
  ws_headers_.clear();
  for (const auto& [name, value] : options.websocket.headers) ws_headers_.push_back({name, value});
  websocket::upgrade_target target;
  target.host = uri.host;
  target.port = uri.port;
  target.secure = uri.tls;
  target.path = uri.path;
  target.extra_headers = ws_headers_;
  frame_out_.clear();
  if (auto ec = ws_->start(target, frame_out_)) {
    detail_ = "WebSocket upgrade request: " + ec.message();
    return done(ec);
  }
  raw_write(asio::buffer(frame_out_), [this, done = std::move(done)](std::error_code ec, std::size_t) mutable {
    if (ec) {
      detail_ = "WebSocket upgrade request not sent: " + ec.message();
      return done(ec);
    }
    read_upgrade_response(std::move(done));
  });
}

void stream::read_upgrade_response(open_handler done) {
  raw_in_.resize(4096);
  raw_read_some(asio::buffer(raw_in_), [this, done = std::move(done)](std::error_code ec, std::size_t n) mutable {
    if (ec) {
      detail_ = "no WebSocket upgrade response: " + ec.message();
      return done(ec);
    }
    auto wec = ws_->on_bytes(bytes_view(raw_in_.data(), n), mqtt_in_, control_out_);
    if (wec) {
      detail_ = wec.message();
      if (int status = ws_->handshake().status(); status && status != 101)
        detail_ += " (HTTP " + std::to_string(status) + " " + std::string(ws_->handshake().reason()) + ")";
      return done(wec);
    }
    if (ws_->current_state() != websocket::client_protocol::state::open) return read_upgrade_response(std::move(done));
    flush_control();
    done({});
  });
}

void stream::flush_control() {
  if (control_out_.empty() || writing_ || control_in_flight_) return;
  control_writing_.clear();
  control_writing_.swap(control_out_);
  control_in_flight_ = true;
  raw_write(asio::buffer(control_writing_), [this](std::error_code, std::size_t) {
    control_in_flight_ = false;
    if (deferred_write_) {
      auto w = std::move(deferred_write_);
      deferred_write_ = nullptr;
      return w();  // it also carries control frames queued meanwhile
    }
    flush_control();
  });
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
      owner->tcp_.async_read_some(asio::buffer(sink), [l = shared_from_this()](std::error_code e, std::size_t) {
        if (e) return l->finish();  // the peer closed too (eof), or the timer closed the socket
        l->read();
      });
    }
  };
  auto l = std::make_shared<linger>(std::move(self), std::move(done));
  std::error_code ec;
  l->owner->resolver_.cancel();
  // The client's own read is still pending: cancel it, or it would take the
  // broker's end-of-stream and the linger would wait for its timeout.
  l->owner->tcp_.cancel(ec);
  l->owner->tcp_.shutdown(tcp_socket::shutdown_send, ec);
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
  auto n = ::sendmsg(tcp_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void stream::close() noexcept {
  std::error_code ec;
  resolver_.cancel();
  tcp_.shutdown(tcp_socket::shutdown_both, ec);
  tcp_.close(ec);
}

}  // namespace tern::transport
