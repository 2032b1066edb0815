#pragma once
// An in-process scripted broker on 127.0.0.1 for client tests: it accepts
// connections, decodes what the client sends, and answers each packet with
// whatever the test's `reply` function returns (raw bytes, so tests can
// send malformed ones too).

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tern/codec.hpp"

namespace tern::test {

class fake_broker {
 public:
  using bytes = std::vector<std::byte>;
  /// Called on the broker's thread for each packet received; returns what to send back.
  using reply_fn = std::function<bytes(const packet_view&)>;

  explicit fake_broker(reply_fn reply)
      : reply_(std::move(reply)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_broker() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() {
    std::lock_guard l(m_);
    return connections_;
  }
  std::vector<packet_type> received() {
    std::lock_guard l(m_);
    return received_;
  }

  static bytes wire(const packet_view& p) {
    bytes b;
    codec::encode_to(p, b);
    return b;
  }

 private:
  struct conn {
    asio::ip::tcp::socket socket;
    codec::stream_decoder decoder;
    explicit conn(asio::ip::tcp::socket s) : socket(std::move(s)) {}
  };

  void accept() {
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
      if (ec) return;
      {
        std::lock_guard l(m_);
        ++connections_;
      }
      read(std::make_shared<conn>(std::move(s)));
      accept();
    });
  }

  void read(std::shared_ptr<conn> c) {
    auto buf = c->decoder.prepare(4096);
    c->socket.async_read_some(asio::buffer(buf.data(), buf.size()), [this, c](std::error_code ec, std::size_t n) {
      if (ec) return;
      c->decoder.commit(n);
      bytes out;
      for (;;) {
        auto r = c->decoder.next();
        auto* p = std::get_if<packet_view>(&r);
        if (!p) break;
        {
          std::lock_guard l(m_);
          received_.push_back(type_of(*p));
        }
        auto reply = reply_(*p);
        out.insert(out.end(), reply.begin(), reply.end());
      }
      if (!out.empty()) asio::write(c->socket, asio::buffer(out), ec);
      read(c);
    });
  }

  reply_fn reply_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex m_;
  int connections_ = 0;
  std::vector<packet_type> received_;
};

}  // namespace tern::test
