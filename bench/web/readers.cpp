#include "readers.hpp"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <optional>

#include "reader_kinds.hpp"

namespace tern::web_bench {

namespace net = boost::asio;

struct reader_pool::impl {
  std::optional<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  // What open() launches, kept here because the launches outlive the call.
  down_protocol protocol{};
  endpoint_spec at;
  tcp_endpoint server;
  down_tally* tally = nullptr;
  std::size_t n = 0;
  std::atomic<std::size_t> next{0};

  void launch() {
    std::size_t i = next.fetch_add(1);
    if (i >= n) return;
    auto opened = [this] { launch(); };
    switch (protocol) {
      case down_protocol::sse: open_sse(*ioc, server, at, *tally, i, opened); break;
      case down_protocol::ws: open_ws(*ioc, server, at, *tally, i, opened); break;
      case down_protocol::sio: open_sio(*ioc, server, at, *tally, i, opened); break;
    }
  }
};

reader_pool::reader_pool(int threads) : impl_(std::make_unique<impl>()) {
  impl_->ioc.emplace(threads);
  impl_->work.emplace(impl_->ioc->get_executor());
  for (int t = 0; t < threads; ++t) impl_->threads.emplace_back([this] { impl_->ioc->run(); });
}

reader_pool::~reader_pool() { stop(); }

void reader_pool::open(down_protocol p, const endpoint_spec& at, down_tally& tally, std::size_t n,
                       std::size_t concurrent) {
  auto& s = *impl_;
  s.protocol = p;
  s.at = at;
  s.server = tcp_endpoint(net::ip::make_address(at.host), static_cast<unsigned short>(at.port));
  s.tally = &tally;
  s.n = n;
  for (std::size_t k = 0; k < concurrent && k < n; ++k) net::post(*s.ioc, [&s] { s.launch(); });
}

void reader_pool::stop() {
  auto& s = *impl_;
  if (!s.ioc) return;
  s.work.reset();
  s.ioc->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.ioc.reset();  // destroys the pending handlers, and with them the connections
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace tern::web_bench
