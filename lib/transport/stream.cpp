#include "transport/stream.hpp"

#include "transport/tls_context.hpp"

#if TERN_HAS_TLS
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#endif

namespace tern::transport {

void stream::async_open(const broker_uri& uri, const client_options& options, open_handler done) {
  detail_.clear();
#if !TERN_HAS_TLS
  if (uri.tls) return done(make_error_code(transport_errc::tls_unavailable));
#endif
  resolver_.async_resolve(
      uri.host, std::to_string(uri.port),
      [this, &uri, &options, done = std::move(done)](std::error_code ec, asio::ip::tcp::resolver::results_type rs) mutable {
        if (ec) {
          detail_ = "cannot resolve " + uri.host + ": " + ec.message();
          return done(ec);
        }
        asio::async_connect(tcp_, rs,
                            [this, &uri, &options, done = std::move(done)](std::error_code ec2, const auto&) mutable {
                              if (ec2) {
                                detail_ = "cannot connect to " + uri.host + ":" + std::to_string(uri.port) + ": " +
                                          ec2.message();
                                return done(ec2);
                              }
                              on_connected(uri, options, std::move(done));
                            });
      });
}

void stream::on_connected(const broker_uri& uri, const client_options& options, open_handler done) {
  std::error_code ec;
  if (options.tcp_nodelay) tcp_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!uri.tls) return done({});
#if TERN_HAS_TLS
  if (!ctx_) {
    auto ctx = make_tls_context(options.tls, detail_);
    if (!ctx) return done(ctx.error());
    ctx_ = *ctx;
  }
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
  tls_->async_handshake(asio::ssl::stream_base::client, [this, done = std::move(done)](std::error_code ec2) {
    if (ec2 && detail_.empty()) detail_ = "TLS handshake failed: " + ec2.message();
    done(ec2);
  });
#endif
}

void stream::close() noexcept {
  std::error_code ec;
  resolver_.cancel();
  tcp_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  tcp_.close(ec);
}

}  // namespace tern::transport
