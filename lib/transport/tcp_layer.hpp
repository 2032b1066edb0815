#pragma once
// The TCP layer, the bottom of every stream: resolves a host (IPv4 and
// IPv6) and connects to each of its addresses in turn; then the socket's
// bytes as they are.

#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "transport/executor.hpp"

namespace tern::transport {

/// **Thread safety:** use from one strand.
class tcp_layer {
 public:
  using open_handler = std::function<void(std::error_code)>;

  /// `polled`: the io_context is polled by another event loop, not run by
  /// a thread (see polled_context.hpp).
  explicit tcp_layer(const strand_type& ex, bool polled = false)
      : ex_(ex), socket_(ex), resolve_tick_(polled ? std::make_unique<steady_timer>(ex) : nullptr) {}

  /// Resolves `host` and connects to `port`, with TCP_NODELAY when
  /// `nodelay`. On failure `detail` (which must outlive the operation) says
  /// why, naming the peer as `what` ("the proxy http://p:8080", "b:1883").
  void async_open(const std::string& host, std::uint16_t port, bool nodelay, std::string what, std::string& detail,
                  open_handler done);

  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
    socket_.async_read_some(buffer, std::forward<Handler>(h));
  }
  /// Writes all of `data`.
  template <class ConstBuffers, class Handler>
  void async_write(const ConstBuffers& data, Handler&& h) {
    asio::async_write(socket_, data, std::forward<Handler>(h));
  }
  /// Stops a resolve or connect under way, shuts the socket down and closes it.
  void close() noexcept;
  /// Stops the resolve under way, if any.
  void cancel_resolve() noexcept {
    if (resolver_) resolver_->cancel();
    if (resolve_tick_) resolve_tick_->cancel();
  }

  tcp_socket& socket() noexcept { return socket_; }

 private:
  /// Connects to the addresses of `rs` from `index` on, in turn; `last` is
  /// the error of the address before, reported when none is left.
  void connect(const tcp_resolver::results_type& rs, std::size_t index, std::error_code last, bool nodelay,
               std::string what, std::string& detail, open_handler done);
  /// Polled only: makes the loop poll every millisecond while a name resolves.
  void tick_while_resolving();

  const strand_type& ex_;  // the stream's, which outlives this layer
  // Made for a host name only: a broker given by address needs none.
  std::unique_ptr<tcp_resolver> resolver_;
  tcp_socket socket_;
  // Polled only (the one thing `polled` changes): no timer per connection otherwise.
  std::unique_ptr<steady_timer> resolve_tick_;
  bool resolving_ = false;
};

}  // namespace tern::transport
