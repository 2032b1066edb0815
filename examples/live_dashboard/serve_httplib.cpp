// The demo on cpp-httplib: a thread per connection, the page's event stream
// holding one of them.

#include <httplib.h>
#include <pthread.h>

#include <cstdio>
#include <thread>

#include "serve.hpp"
#include "tern/httplib/binding.hpp"

namespace live_dashboard {

void announce(const site& s, const char* binding) {
  std::printf("tern-live-dashboard: http://%s:%d/ (%s; MQTT broker %s; open access: anyone who reaches this port "
              "may publish and subscribe)\n",
              s.host.c_str(), s.port, binding, s.broker.c_str());
  std::fflush(stdout);
}

int serve_httplib(tern::web::mqtt& mqtt, const site& s) {
  httplib::Server server;
  // Each open page holds one event stream, and so one server thread.
  tern::httplib_binding::set_server_threads(server, 24);
  // A demo: open access, no login. A real application sets access rules
  // or an authorization hook (docs/web.md, "Who may do what").
  tern::httplib_binding::options http_opts;
  http_opts.max_streams = 16;
  http_opts.bridge.open_access = true;
  tern::httplib_binding::binding mqtt_http(server, mqtt, http_opts);
  server.Get("/", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(s.page, "text/html; charset=utf-8");
  });

  try {
    mqtt_http.start(s.config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern-live-dashboard: %s\n", e.what());
    return 2;
  }
  if (!server.bind_to_port(s.host, s.port)) {
    std::fprintf(stderr, "tern-live-dashboard: cannot listen on %s:%d\n", s.host.c_str(), s.port);
    return 1;
  }

  std::thread signals([&] {
    int sig = 0;
    sigwait(&s.stop_signals, &sig);
    mqtt_http.stop();
  });
  announce(s, "cpp-httplib");
  bool ok = mqtt_http.listen_after_bind();
  // listen_after_bind() also returns when the server fails: wake the signal thread.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return ok ? 0 : 1;
}

}  // namespace live_dashboard
