#pragma once
// One connection to a broker, a chain of layers composed from the broker URI
// and the transport options: TCP (to the broker, or to a proxy), a proxy's
// tunnel (proxy_layer.hpp, HTTP CONNECT or SOCKS5), TLS, WebSocket. The
// session above cannot tell which; the client owns one `stream` per
// connection attempt and uses it from its strand.

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tern/transport.hpp"
#include "transport/executor.hpp"
#include "transport/uri.hpp"
#include "transport/websocket/client_protocol.hpp"

#if TERN_HAS_TLS
#include <asio/ssl.hpp>
#endif

namespace tern::transport {

/// **Thread safety:** use from one strand.
class stream {
 public:
  using open_handler = std::function<void(std::error_code)>;

  explicit stream(const strand_type& ex) : ex_(ex), resolver_(ex), tcp_(ex) {}

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

  /// Writes all of `data` (gather I/O); over WebSocket as one masked binary
  /// frame [MQTT-6.0.0-1]. The buffers must stay valid until the handler runs.
  template <class Handler>
  void async_write(std::span<const asio::const_buffer> data, Handler&& h) {
    if (!ws_) return raw_write(data, std::forward<Handler>(h));
    frame_out_.clear();
    frame_out_.swap(control_out_);  // pongs and closes queued by reads go first
    if (control_in_flight_) {  // one write at a time on the socket: go after the control frames
      deferred_write_ = [this, data, h = std::forward<Handler>(h)]() mutable { async_write(data, std::move(h)); };
      return;
    }
    parts_.clear();
    std::size_t n = 0;
    for (const auto& b : data) {
      parts_.emplace_back(static_cast<const std::byte*>(b.data()), b.size());
      n += b.size();
    }
    auto ec = ws_->send(parts_, frame_out_);
    if (ec) return asio::post(ex_, [h = std::forward<Handler>(h), ec]() mutable { h(ec, 0); });
    writing_ = true;
    raw_write(asio::buffer(frame_out_), [this, n, h = std::forward<Handler>(h)](
                                            std::error_code ec2, std::size_t) mutable {
      writing_ = false;
      h(ec2, ec2 ? 0 : n);
    });
  }

  /// Reads some bytes of the MQTT stream into `buffer`; over WebSocket, the
  /// payload of data frames, whatever their boundaries [MQTT-6.0.0-2].
  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
    if (!ws_) return raw_read_some(buffer, std::forward<Handler>(h));
    if (!mqtt_in_.empty()) {
      auto n = take_mqtt(buffer);
      return asio::post(ex_, [h = std::forward<Handler>(h), n]() mutable { h(std::error_code{}, n); });
    }
    raw_in_.resize(16 * 1024);
    raw_read_some(asio::buffer(raw_in_), [this, buffer, h = std::forward<Handler>(h)](std::error_code ec,
                                                                                       std::size_t n) mutable {
      if (ec) return h(ec, 0);
      auto wec = ws_->on_bytes(bytes_view(raw_in_.data(), n), mqtt_in_, control_out_);
      flush_control();
      if (wec) return h(wec, 0);
      if (mqtt_in_.empty()) return async_read_some(buffer, std::move(h));  // only control frames
      h(std::error_code{}, take_mqtt(buffer));
    });
  }

  /// Closes at once; pending operations complete with operation_aborted.
  void close() noexcept;
  /// Closes after the peer has read what was written: sends FIN, reads and
  /// discards until the peer closes too or `timeout` passes, then closes and
  /// calls `done` (on the stream's strand). Closing at once with unread bytes
  /// in the socket would send a reset, and a reset can make the peer drop
  /// data it has not read yet: the DISCONNECT just written, so the broker
  /// would publish the Will [MQTT-3.14.4-3]. `self` keeps the stream alive.
  static void linger_close(std::shared_ptr<stream> self, std::chrono::milliseconds timeout,
                           std::function<void()> done);
  const std::string& detail() const noexcept { return detail_; }
  /// Plain TCP: no TLS or WebSocket state that a write would share with a
  /// read in progress.
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

 private:
  template <class ConstBuffers, class Handler>
  void raw_write(const ConstBuffers& data, Handler&& h) {
#if TERN_HAS_TLS
    if (tls_) return asio::async_write(*tls_, data, std::forward<Handler>(h));
#endif
    asio::async_write(tcp_, data, std::forward<Handler>(h));
  }

  template <class Handler>
  void raw_read_some(asio::mutable_buffer buffer, Handler&& h) {
#if TERN_HAS_TLS
    if (tls_) return tls_->async_read_some(buffer, std::forward<Handler>(h));
#endif
    tcp_.async_read_some(buffer, std::forward<Handler>(h));
  }

  std::size_t take_mqtt(asio::mutable_buffer buffer) {
    auto n = std::min(buffer.size(), mqtt_in_.size());
    std::memcpy(buffer.data(), mqtt_in_.data(), n);
    mqtt_in_.erase(mqtt_in_.begin(), mqtt_in_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  /// Writes pongs and close frames produced by reads when no data write is
  /// under way; otherwise the next data write carries them.
  void flush_control();
  void on_tcp_open(const broker_uri& uri, const transport_options& options, open_handler done);
  void open_proxy(const broker_uri& uri, const transport_options& options, open_handler done);
  void open_above_tunnel(const broker_uri& uri, const transport_options& options, open_handler done);
  void open_tls(const broker_uri& uri, const transport_options& options, open_handler done);
  void start_websocket(const broker_uri& uri, const transport_options& options, open_handler done);
  void read_upgrade_response(open_handler done);

  strand_type ex_;
  tcp_resolver resolver_;
  tcp_socket tcp_;
  std::string detail_;
  std::optional<proxy_uri> proxy_;  // when options.proxy names one
#if TERN_HAS_TLS
  std::shared_ptr<asio::ssl::context> ctx_;
  std::optional<asio::ssl::stream<tcp_socket&>> tls_;
#endif
  // WebSocket state: the protocol machine, its input and output buffers.
  std::optional<websocket::client_protocol> ws_;
  std::mt19937_64 mask_rng_{std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)};
  std::vector<std::byte> raw_in_, mqtt_in_, frame_out_, control_out_, control_writing_;
  std::vector<websocket::http_header> ws_headers_;
  std::vector<bytes_view> parts_;
  bool writing_ = false;
  bool control_in_flight_ = false;
  std::function<void()> deferred_write_;  // a data write waiting for a control write
};

}  // namespace tern::transport
