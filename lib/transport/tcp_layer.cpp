#include "transport/tcp_layer.hpp"

#include <asio/post.hpp>
#include <asio/ip/address.hpp>
#include <iterator>

namespace tern::transport {

void tcp_layer::async_open(const std::string& host, std::uint16_t port, bool nodelay, std::string what,
                           std::string& detail, open_handler done) {
  // An address needs no resolver: no hop through its thread.
  std::error_code not_an_address;
  auto address = asio::ip::make_address(host, not_an_address);
  if (!not_an_address)
    return connect(tcp_resolver::results_type::create(asio::ip::tcp::endpoint(address, port), host, std::to_string(port)),
                   0, {}, nodelay, std::move(what), detail, std::move(done));
  resolving_ = true;
  if (!resolver_) resolver_ = std::make_unique<tcp_resolver>(ex_);
  resolver_->async_resolve(host, std::to_string(port),
                          [this, nodelay, what = std::move(what), &detail, done = std::move(done)](
                              std::error_code ec, tcp_resolver::results_type rs) mutable {
                            resolving_ = false;
                            if (resolve_tick_) resolve_tick_->cancel();
                            if (ec) {
                              detail = "cannot resolve " + what + ": " + ec.message();
                              return done(ec);
                            }
                            connect(rs, 0, {}, nodelay, std::move(what), detail, std::move(done));
                          });
  if (resolve_tick_) tick_while_resolving();
}

// Asio's resolver thread queues its result without waking a loop that
// polls the io_context (it wakes only a thread blocked in run()); a timer
// expiring does wake it, through the reactor's timerfd.
void tcp_layer::tick_while_resolving() {
  resolve_tick_->expires_after(std::chrono::milliseconds(1));
  resolve_tick_->async_wait([this](std::error_code ec) {
    if (!ec && resolving_) tick_while_resolving();
  });
}

void tcp_layer::connect(const tcp_resolver::results_type& rs, std::size_t index, std::error_code last, bool nodelay,
                        std::string what, std::string& detail, open_handler done) {
  for (auto it = std::next(rs.begin(), static_cast<std::ptrdiff_t>(index)); it != rs.end(); ++it, ++index) {
    std::error_code ec;
    socket_.close(ec);
    // Opened here, not by async_connect: asio's connect over a range reports
    // a socket it could not open as operation_aborted, which would hide why
    // ("Too many open files" when the process is out of descriptors).
    socket_.open(it->endpoint().protocol(), ec);
    if (ec) {
      last = ec;
      continue;
    }
    socket_.async_connect(it->endpoint(), [this, rs, index, nodelay, what = std::move(what), &detail,
                                           done = std::move(done)](std::error_code ec) mutable {
      if (!ec) {
        std::error_code ignored;
        if (nodelay) socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
        return done({});
      }
      // close() ends the attempt: also when this completion (a refusal, say)
      // was already queued when it ran, and so does not say aborted.
      if (!socket_.is_open()) ec = asio::error::operation_aborted;
      if (ec == asio::error::operation_aborted) {  // no other address is tried
        detail = "cannot connect to " + what + ": " + ec.message();
        return done(ec);
      }
      connect(rs, index + 1, ec, nodelay, std::move(what), detail, std::move(done));
    });
    return;
  }
  if (!last) last = asio::error::host_not_found;  // no address at all
  detail = "cannot connect to " + what + ": " + last.message();
  // Never from inside the call that started the open: its caller may hold locks.
  asio::post(socket_.get_executor(), [done = std::move(done), last] { done(last); });
}

void tcp_layer::close() noexcept {
  std::error_code ignored;
  if (resolver_) resolver_->cancel();
  if (resolve_tick_) resolve_tick_->cancel();
  socket_.shutdown(tcp_socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace tern::transport
