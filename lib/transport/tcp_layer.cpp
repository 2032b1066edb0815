#include "transport/tcp_layer.hpp"

#include <asio/connect.hpp>

namespace tern::transport {

void tcp_layer::async_open(const std::string& host, std::uint16_t port, bool nodelay, std::string what,
                           std::string& detail, open_handler done) {
  resolver_.async_resolve(
      host, std::to_string(port),
      [this, nodelay, what = std::move(what), &detail, done = std::move(done)](
          std::error_code ec, tcp_resolver::results_type rs) mutable {
        if (ec) {
          detail = "cannot resolve " + what + ": " + ec.message();
          return done(ec);
        }
        asio::async_connect(socket_, rs,
                            [this, nodelay, what = std::move(what), &detail, done = std::move(done)](
                                std::error_code ec2, const auto&) mutable {
                              if (ec2) {
                                detail = "cannot connect to " + what + ": " + ec2.message();
                                return done(ec2);
                              }
                              std::error_code ignored;
                              if (nodelay) socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
                              done({});
                            });
      });
}

void tcp_layer::close() noexcept {
  std::error_code ec;
  resolver_.cancel();
  socket_.shutdown(tcp_socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace tern::transport
