#pragma once
// A socket pair for the layer tests, and a stream over one end that reads
// and writes at most `limit` bytes per operation: every layer above it must
// cope with its peer's bytes split anywhere, and its own writes too.

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <cstddef>
#include <string>
#include <utility>

namespace tern::test {

using local_socket = asio::local::stream_protocol::socket;

struct socket_pair {
  asio::io_context io;
  local_socket near{io}, far{io};
  socket_pair() { asio::local::connect_pair(near, far); }
};

/// An Asio AsyncStream (and the lower layer the transport's layers take).
class chopped_stream {
 public:
  using executor_type = local_socket::executor_type;
  using lowest_layer_type = local_socket::lowest_layer_type;

  chopped_stream(local_socket& s, std::size_t limit) : s_(s), limit_(limit) {}

  executor_type get_executor() { return s_.get_executor(); }
  lowest_layer_type& lowest_layer() { return s_.lowest_layer(); }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& b, Handler&& h) {
    return s_.async_read_some(asio::buffer(*asio::buffer_sequence_begin(b), limit_), std::forward<Handler>(h));
  }
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& b, Handler&& h) {
    return s_.async_write_some(asio::buffer(*asio::buffer_sequence_begin(b), limit_), std::forward<Handler>(h));
  }
  /// All of `b`, in writes of at most `limit` bytes.
  template <class ConstBuffers, class Handler>
  void async_write(const ConstBuffers& b, Handler&& h) {
    asio::async_write(*this, b, std::forward<Handler>(h));
  }

 private:
  local_socket& s_;
  std::size_t limit_;
};

/// Writes `text` in pieces of `piece` bytes, each its own write.
inline void write_in_pieces(local_socket& s, std::string_view text, std::size_t piece) {
  for (std::size_t i = 0; i < text.size(); i += piece) asio::write(s, asio::buffer(text.substr(i, piece)));
}

inline std::string read_exactly(local_socket& s, std::size_t n) {
  std::string buf(n, '\0');
  asio::read(s, asio::buffer(buf));
  return buf;
}

/// Reads up to and including the empty line that ends an HTTP header.
inline std::string read_http_header(local_socket& s) {
  std::string got;
  char c;
  while (got.size() < 4 || got.compare(got.size() - 4, 4, "\r\n\r\n") != 0) {
    asio::read(s, asio::buffer(&c, 1));
    got += c;
  }
  return got;
}

}  // namespace tern::test
