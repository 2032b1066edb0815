#pragma once
// The down-path readers: N streaming clients of one kind in one process,
// on one Boost.Asio io_context run by one thread or two, so that reading
// costs little next to the server. Connections open a few at a time (a
// Python server's listen backlog is 50), each one's end of opening
// (open, refused or failed) starting the next.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "down_tally.hpp"

namespace tern::web_bench {

enum class down_protocol { sse, ws, sio };

struct endpoint_spec {
  std::string host = "127.0.0.1";
  int port = 5000;
  std::string filter;  // the MQTT filter the streams show
};

class reader_pool {
 public:
  explicit reader_pool(int threads);
  ~reader_pool();

  /// Opens `n` clients, at most `concurrent` opening at once; returns at once.
  void open(down_protocol p, const endpoint_spec& at, down_tally& tally, std::size_t n, std::size_t concurrent);
  /// Closes every connection and joins the threads.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The percent-encoding of a query value.
std::string url_encode(std::string_view s);

}  // namespace tern::web_bench
