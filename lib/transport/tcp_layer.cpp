#include "transport/tcp_layer.hpp"

#include <asio/connect.hpp>
#include <asio/ip/address.hpp>

namespace tern::transport {

void tcp_layer::async_open(const std::string& host, std::uint16_t port, bool nodelay, std::string what,
                           std::string& detail, open_handler done) {
  // An address needs no resolver: no hop through its thread.
  std::error_code not_an_address;
  auto address = asio::ip::make_address(host, not_an_address);
  if (!not_an_address)
    return connect(tcp_resolver::results_type::create(asio::ip::tcp::endpoint(address, port), host, std::to_string(port)),
                   nodelay, std::move(what), detail, std::move(done));
  resolving_ = true;
  resolver_.async_resolve(host, std::to_string(port),
                          [this, nodelay, what = std::move(what), &detail, done = std::move(done)](
                              std::error_code ec, tcp_resolver::results_type rs) mutable {
                            resolving_ = false;
                            resolve_tick_.cancel();
                            if (ec) {
                              detail = "cannot resolve " + what + ": " + ec.message();
                              return done(ec);
                            }
                            connect(rs, nodelay, std::move(what), detail, std::move(done));
                          });
  if (polled_) tick_while_resolving();
}

// Asio's resolver thread queues its result without waking a loop that
// polls the io_context (it wakes only a thread blocked in run()); a timer
// expiring does wake it, through the reactor's timerfd.
void tcp_layer::tick_while_resolving() {
  resolve_tick_.expires_after(std::chrono::milliseconds(1));
  resolve_tick_.async_wait([this](std::error_code ec) {
    if (!ec && resolving_) tick_while_resolving();
  });
}

void tcp_layer::connect(const tcp_resolver::results_type& rs, bool nodelay, std::string what, std::string& detail,
                        open_handler done) {
  asio::async_connect(socket_, rs,
                      [this, nodelay, what = std::move(what), &detail, done = std::move(done)](std::error_code ec,
                                                                                               const auto&) mutable {
                        if (ec) {
                          detail = "cannot connect to " + what + ": " + ec.message();
                          return done(ec);
                        }
                        std::error_code ignored;
                        if (nodelay) socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
                        done({});
                      });
}

void tcp_layer::close() noexcept {
  std::error_code ignored;
  resolver_.cancel();
  resolve_tick_.cancel();
  socket_.shutdown(tcp_socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace tern::transport
