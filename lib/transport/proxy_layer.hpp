#pragma once
// The proxy layer: on a connected byte stream to the proxy, runs the
// proxy's handshake (proxy/handshake.hpp) until the tunnel to the broker is
// open. Once open it is transparent: the layers above read and write the
// stream below as if it reached the broker, so it has no read or write of
// its own. A template over the stream below (an Asio AsyncStream), so that
// tests run it over a socket pair.

#include <array>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "tern/transport_error.hpp"
#include "transport/proxy/handshake.hpp"

namespace tern::transport {

namespace detail {

template <class Lower>
struct proxy_open_op : std::enable_shared_from_this<proxy_open_op<Lower>> {
  proxy_open_op(Lower& l, std::unique_ptr<proxy::handshake> h, std::string& d, std::function<void(std::error_code)> f)
      : lower(l), hs(std::move(h)), detail(d), done(std::move(f)) {}

  Lower& lower;
  std::unique_ptr<proxy::handshake> hs;
  std::string& detail;
  std::function<void(std::error_code)> done;
  std::vector<std::byte> out;
  std::array<std::byte, 512> in{};

  void write() {
    asio::async_write(lower, asio::buffer(out), [self = this->shared_from_this()](std::error_code ec, std::size_t) {
      if (ec) return self->finish(ec, "the handshake could not be sent: " + ec.message());
      self->out.clear();
      if (self->hs->done()) return self->finish({}, {});
      self->read();
    });
  }

  void read() {
    lower.async_read_some(asio::buffer(in), [self = this->shared_from_this()](std::error_code ec, std::size_t n) {
      if (ec == asio::error::eof || ec == asio::error::connection_reset)
        return self->finish(transport_errc::proxy_closed, self->hs->detail().empty()
                                                              ? "it closed the connection during its handshake"
                                                              : self->hs->detail() + ", then closed the connection");
      if (ec) return self->finish(ec, "reading its answer: " + ec.message());
      if (auto e = self->hs->on_bytes(bytes_view(self->in.data(), n), self->out)) return self->finish(e, self->hs->detail());
      if (!self->out.empty()) return self->write();
      if (self->hs->done()) return self->finish({}, {});
      self->read();
    });
  }

  void finish(std::error_code ec, const std::string& why) {
    if (ec) detail = why;
    done(ec);
  }
};

}  // namespace detail

/// Runs `hs` for `request` over `lower`, a stream connected to the proxy,
/// and calls `done` once: {} when the tunnel is open, else an error with
/// the proxy's answer in words in `detail` (which must outlive the
/// operation, as must `lower`): the handshake's errors, `proxy_closed` when
/// the proxy closed mid-handshake, or the stream's own error.
template <class Lower>
void async_proxy_open(Lower& lower, std::unique_ptr<proxy::handshake> hs, const proxy::tunnel_request& request,
                      std::string& detail, std::function<void(std::error_code)> done) {
  auto op = std::make_shared<detail::proxy_open_op<Lower>>(lower, std::move(hs), detail, std::move(done));
  if (auto ec = op->hs->start(request, op->out)) {
    detail = "the broker's address or the credentials cannot be sent through this proxy";
    return asio::post(lower.get_executor(), [op, ec] { op->done(ec); });
  }
  op->write();
}

}  // namespace tern::transport
