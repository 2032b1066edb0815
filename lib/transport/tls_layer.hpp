#pragma once
// The TLS layer, for mqtts:// and wss://: OpenSSL over the stream below
// (the TCP socket, or in tests a socket pair). Opening it sets SNI, verifies
// the broker's chain and host name (tls_options: insecure skips only the
// name), runs the handshake and checks ALPN (tls_context.hpp).

#if TERN_HAS_TLS
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <functional>
#include <string>
#include <system_error>
#include <utility>

#include "tern/transport.hpp"
#include "transport/tls_context.hpp"

namespace tern::transport {

/// **Thread safety:** use from one strand.
template <class Lower>
class tls_layer {
 public:
  using open_handler = std::function<void(std::error_code)>;

  tls_layer(Lower& lower, asio::ssl::context& ctx) : ssl_(lower, ctx) {}

  /// The handshake with the broker named `host`. On failure `detail` (which
  /// must outlive the operation) says why: OpenSSL's verification reason,
  /// a host name mismatch, the ALPN protocols refused. `options` must
  /// outlive the operation too.
  void async_open(const std::string& host, const tls_options& options, std::string& detail, open_handler done) {
    std::error_code ec;
    // SNI, so that brokers behind a TLS front end pick the right certificate.
    SSL_set_tlsext_host_name(ssl_.native_handle(), host.c_str());
    ssl_.set_verify_callback(
        [&detail, host, insecure = options.insecure](bool preverified, asio::ssl::verify_context& vc) {
          return verify_broker(preverified, vc, host, insecure, detail);
        },
        ec);
    ssl_.async_handshake(asio::ssl::stream_base::client,
                         [this, &options, &detail, done = std::move(done)](std::error_code ec2) mutable {
                           if (ec2 && detail.empty()) detail = "TLS handshake failed: " + ec2.message();
                           ec2 = ec2 ? alpn_alert(ec2, options, detail) : check_alpn(ssl_.native_handle(), options, detail);
                           done(ec2);
                         });
  }

  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
    ssl_.async_read_some(buffer, std::forward<Handler>(h));
  }
  /// Writes all of `data`.
  template <class ConstBuffers, class Handler>
  void async_write(const ConstBuffers& data, Handler&& h) {
    asio::async_write(ssl_, data, std::forward<Handler>(h));
  }
  /// Whether a read would find bytes without the socket: decrypted ones of
  /// a record not all read yet, or received ones OpenSSL has not decrypted.
  /// A read returns one record at most, so a burst waits here, where the
  /// socket shows nothing.
  bool input_pending() noexcept {
    auto* s = ssl_.native_handle();
    return SSL_pending(s) > 0 || BIO_ctrl_pending(SSL_get_rbio(s)) > 0;
  }

 private:
  asio::ssl::stream<Lower&> ssl_;
};

}  // namespace tern::transport
#endif
