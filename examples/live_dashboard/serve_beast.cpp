// The demo on Boost.Beast: every connection on one io_context run by one
// thread; the page gets a WebSocket. The facade keeps its own threads
// (standalone Asio) and never runs Beast code.

#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <thread>
#include <vector>

#include "serve.hpp"
#include "tern/beast/binding.hpp"

namespace live_dashboard {

int serve_beast(tern::web::mqtt& mqtt, const site& s) {
  boost::asio::io_context ioc;
  tern::beast_binding::options opts;
  opts.bridge.open_access = true;  // a demo: see serve_httplib.cpp
  opts.fallback = [&s](const tern::beast_binding::request& req) -> std::optional<tern::beast_binding::response> {
    if (req.target() != "/" || req.method() != boost::beast::http::verb::get) return std::nullopt;
    tern::beast_binding::response res{boost::beast::http::status::ok, req.version()};
    res.set(boost::beast::http::field::content_type, "text/html; charset=utf-8");
    res.set(boost::beast::http::field::cache_control, "no-cache");
    res.keep_alive(req.keep_alive());
    res.body() = s.page;
    return res;
  };
  tern::beast_binding::binding web(ioc, mqtt, opts);
  try {
    web.start(s.config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern-live-dashboard: %s\n", e.what());
    return 2;
  }
  if (web.listen(s.host, static_cast<unsigned short>(s.port)) == 0) {
    std::fprintf(stderr, "tern-live-dashboard: %s\n", web.last_error().c_str());
    return 1;
  }
  std::thread signals([&] {
    int sig = 0;
    sigwait(&s.stop_signals, &sig);
    web.stop();  // ioc.run() returns once every connection has ended
  });
  announce(s, "Boost.Beast, WebSocket at /mqtt/ws");
  // One thread: the facade's network thread already fans messages out on
  // another core. A second thread here cost more than it gave (measured
  // with bench/web: the two contend for the io_context's lock and wake each
  // other, about 25 % more CPU per message at one client, and a higher p99
  // at 1,000).
  ioc.run();
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return 0;
}

}  // namespace live_dashboard
