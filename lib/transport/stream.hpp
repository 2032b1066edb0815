#pragma once
// One connection to a broker, a chain of layers composed from the broker URI
// and the transport options: TCP (to the broker, or to a proxy), a proxy's
// tunnel (proxy_layer.hpp: HTTP CONNECT or SOCKS5, transparent once open),
// TLS, WebSocket. Each layer opens over the one below and reads and writes
// through it. The session above cannot tell which; the client owns one
// `stream` per connection attempt and uses it from its strand.

#include <asio/post.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "tern/transport.hpp"
#include "transport/executor.hpp"
#include "transport/tcp_layer.hpp"
#include "transport/uri.hpp"
#include "transport/websocket_layer.hpp"

#if TERN_HAS_TLS
#include "transport/tls_layer.hpp"
#endif

namespace tern::transport {

/// **Thread safety:** use from one strand.
class stream {
 public:
  using open_handler = std::function<void(std::error_code)>;

  /// `polled`: see tcp_layer.
  explicit stream(const strand_type& ex, bool polled = false) : ex_(ex), tcp_(ex_, polled) {}

  /// Opens the layers in turn. TCP: resolves the broker's host, or the
  /// proxy's when `options.proxy` names one (IPv4 and IPv6), connects to
  /// each address in turn, sets TCP_NODELAY when asked. Proxy: the tunnel
  /// to the broker's host and port (the proxy resolves the name). TLS, for
  /// mqtts:// and wss://: the handshake (SNI, chain and host name
  /// verification, ALPN). WebSocket, for ws:// and wss://: the upgrade.
  /// `uri` and `options` must outlive the operation. On failure `detail()`
  /// says why in words, naming the proxy when the failure is its (OpenSSL's
  /// verification reason, the HTTP status of a refused upgrade or CONNECT,
  /// a SOCKS reply...).
  void async_open(const broker_uri& uri, const transport_options& options, open_handler done);

  /// Writes all of `data` (gather I/O) through the top layer. The buffers
  /// must stay valid until the handler runs.
  template <class Handler>
  void async_write(std::span<const asio::const_buffer> data, Handler&& h) {
    if (ws_) return ws_->async_write(data, std::forward<Handler>(h));
    below_.async_write(data, std::forward<Handler>(h));
  }

  /// Reads some bytes of the MQTT stream into `buffer` from the top layer.
  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
    if (ws_) return ws_->async_read_some(buffer, std::forward<Handler>(h));
    below_.async_read_some(buffer, std::forward<Handler>(h));
  }

  /// Closes at once; pending operations complete with operation_aborted.
  void close() noexcept { tcp_.close(); }
  /// Closes after the peer has read what was written: sends FIN, reads and
  /// discards until the peer closes too or `timeout` passes, then closes and
  /// calls `done` (on the stream's strand). Closing at once with unread bytes
  /// in the socket would send a reset, and a reset can make the peer drop
  /// data it has not read yet: the DISCONNECT just written, so the broker
  /// would publish the Will [MQTT-3.14.4-3]. `self` keeps the stream alive.
  static void linger_close(std::shared_ptr<stream> self, std::chrono::milliseconds timeout,
                           std::function<void()> done);
  const std::string& detail() const noexcept { return detail_; }
  /// Plain TCP (perhaps through a proxy's tunnel): no TLS or WebSocket state
  /// that a write would share with a read in progress.
  bool plain() const noexcept {
#if TERN_HAS_TLS
    if (tls_) return false;
#endif
    return !ws_;
  }
  /// Plain TCP only: writes what the socket takes now, without blocking or
  /// waiting; returns the bytes written (0 when it takes none). Any error is
  /// left for an async_write of the rest to meet. May be called from any
  /// thread while no async_write is under way.
  std::size_t write_now(std::span<const asio::const_buffer> data) noexcept;
  /// Asks the kernel to acknowledge at once what the socket received,
  /// instead of delaying the ACK for a reply to carry (Linux's TCP_QUICKACK;
  /// elsewhere nothing): for a reader that sends no reply, or leaves bytes
  /// waiting on purpose. A peer with Nagle's algorithm on holds its next
  /// small writes until the ACK.
  void ack_promptly() noexcept;
  /// Whether a read would find bytes the socket no longer shows: in the TLS
  /// layer (a read returns one TLS record at most) or the WebSocket layer.
  bool input_pending() noexcept {
    if (ws_ && ws_->input_pending()) return true;
#if TERN_HAS_TLS
    if (tls_) return tls_->input_pending();
#endif
    return false;
  }

 private:
  // TLS when there is one, else TCP: the top layer without WebSocket, the
  // one under it with.
  struct below_ws {
    stream* s;
    template <class ConstBuffers, class Handler>
    void async_write(const ConstBuffers& data, Handler&& h) {
#if TERN_HAS_TLS
      if (s->tls_) return s->tls_->async_write(data, std::forward<Handler>(h));
#endif
      s->tcp_.async_write(data, std::forward<Handler>(h));
    }
    template <class Handler>
    void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
#if TERN_HAS_TLS
      if (s->tls_) return s->tls_->async_read_some(buffer, std::forward<Handler>(h));
#endif
      s->tcp_.async_read_some(buffer, std::forward<Handler>(h));
    }
    const strand_type& get_executor() const noexcept { return s->ex_; }
  };

  void open_proxy(const broker_uri& uri, const transport_options& options, open_handler done);
  void open_above_tunnel(const broker_uri& uri, const transport_options& options, open_handler done);
  void open_websocket(const broker_uri& uri, const transport_options& options, open_handler done);

  strand_type ex_;
  tcp_layer tcp_;
  std::string detail_;
  std::unique_ptr<proxy_uri> proxy_;  // when options.proxy names one (rare: not held inline)
#if TERN_HAS_TLS
  std::shared_ptr<asio::ssl::context> ctx_;
  // On the heap, made only for the URIs that use them: a plain TCP stream
  // (the common case, and the one many connections per process use) then
  // costs a few hundred bytes, not the 3.5 KiB these layers hold.
  std::unique_ptr<tls_layer<tcp_socket>> tls_;
#endif
  below_ws below_{this};
  std::unique_ptr<websocket_layer<below_ws>> ws_;
};

}  // namespace tern::transport
