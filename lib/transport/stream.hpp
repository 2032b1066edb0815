#pragma once
// One connection to a broker: TCP, optionally TLS on it. The session above
// cannot tell which; the client owns one `stream` per connection attempt.

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tern/client.hpp"
#include "transport/uri.hpp"

#if TERN_HAS_TLS
#include <asio/ssl.hpp>
#endif

namespace tern::transport {

/// **Thread safety:** use from one strand.
class stream {
 public:
  using open_handler = std::function<void(std::error_code)>;

  explicit stream(const asio::any_io_executor& ex) : resolver_(ex), tcp_(ex) {}

  /// Resolves `uri.host` (IPv4 and IPv6), connects to each address in turn,
  /// sets TCP_NODELAY when asked, then runs the TLS handshake (SNI, chain and
  /// host name verification) for mqtts://. On failure `detail()` says why in
  /// words (OpenSSL's verification reason, for instance).
  void async_open(const broker_uri& uri, const client_options& options, open_handler done);

  template <class ConstBuffers, class Handler>
  void async_write(const ConstBuffers& buffers, Handler&& h) {
#if TERN_HAS_TLS
    if (tls_) return asio::async_write(*tls_, buffers, std::forward<Handler>(h));
#endif
    asio::async_write(tcp_, buffers, std::forward<Handler>(h));
  }

  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
#if TERN_HAS_TLS
    if (tls_) return tls_->async_read_some(buffer, std::forward<Handler>(h));
#endif
    tcp_.async_read_some(buffer, std::forward<Handler>(h));
  }

  /// Closes the socket at once; pending operations complete with operation_aborted.
  void close() noexcept;
  const std::string& detail() const noexcept { return detail_; }

 private:
  void on_connected(const broker_uri& uri, const client_options& options, open_handler done);

  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket tcp_;
  std::string detail_;
#if TERN_HAS_TLS
  std::shared_ptr<asio::ssl::context> ctx_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
#endif
};

}  // namespace tern::transport
