// tern-live-dashboard: Flask-MQTT's Flask-SocketIO example in C++. A page at
// / with a subscribe form, a publish form, an "unsubscribe all" button and a
// live list of received messages, over the cpp-httplib binding's endpoints
// under /mqtt. MQTT_* settings come from the environment and --config FILE.
// See docs/web.md ("The demo"); scripts/demo.sh runs it against a private
// mosquitto.

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "tern/httplib/binding.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace live_dashboard {
extern const std::string_view page;  // index.html, embedded by embed.py
}

namespace {

constexpr const char* usage =
    "usage: tern-live-dashboard [--listen HOST:PORT] [--config FILE] [--page FILE] [--verbose]\n"
    "\n"
    "Serves a live MQTT dashboard at http://HOST:PORT/ (default 127.0.0.1:5000)\n"
    "and the tern httplib endpoints under /mqtt. MQTT settings: MQTT_* environment\n"
    "variables (MQTT_BROKER_URL, MQTT_BROKER_PORT, ...; see docs/web.md), over\n"
    "those of --config FILE (.json, .ini, .cfg, .conf, .env). --page serves FILE\n"
    "instead of the built-in page (for editing it). Ctrl-C stops.\n";

/// The file's keys, with the environment's on top: `MQTT_BROKER_URL=... ./tern-live-dashboard --config f.json`
/// overrides one key of the file.
class layered_config : public tern::web::config_source {
 public:
  layered_config(tern::web::config_map file, tern::web::env_config env) : file_(std::move(file)), env_(std::move(env)) {}
  std::optional<tern::web::config_value> get(std::string_view key) const override {
    if (auto v = env_.get(key)) return v;
    return file_.get(key);
  }
  std::vector<std::string> keys() const override {
    std::set<std::string> all;
    for (auto& k : file_.keys()) all.insert(k);
    for (auto& k : env_.keys()) all.insert(k);
    return {all.begin(), all.end()};
  }

 private:
  tern::web::config_map file_;
  tern::web::env_config env_;
};

std::string value_text(const tern::web::config_source& cfg, std::string_view key, std::string fallback) {
  auto v = cfg.get(key);
  if (!v) return fallback;
  if (auto* s = std::get_if<std::string>(&*v)) return s->empty() ? fallback : *s;
  if (auto* n = std::get_if<std::int64_t>(&*v)) return std::to_string(*n);
  return fallback;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:5000";
  std::string config_file, page_file;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tern-live-dashboard: %s needs a value\n%s", argv[i], usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--listen") listen = value();
    else if (a == "--config") config_file = value();
    else if (a == "--page") page_file = value();
    else if (a == "-v" || a == "--verbose") verbose = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tern-live-dashboard: unknown argument %s\n%s", argv[i], usage);
      return 2;
    }
  }
  auto colon = listen.rfind(':');
  int port = colon == std::string::npos ? 0 : std::atoi(listen.c_str() + colon + 1);
  if (colon == std::string::npos || port <= 0 || port > 65535) {
    std::fprintf(stderr, "tern-live-dashboard: --listen wants HOST:PORT, got '%s'\n", listen.c_str());
    return 2;
  }
  std::string host = listen.substr(0, colon);

  // Ctrl-C and SIGTERM are taken by one thread (sigwait), never by a signal
  // handler: stopping the server is not async-signal-safe. Blocked before any
  // thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  tern::web::config_map file_cfg;
  try {
    if (!config_file.empty()) file_cfg = tern::web::load_config_file(config_file);
  } catch (const tern::web::config_error& e) {
    std::fprintf(stderr, "tern-live-dashboard: %s\n", e.what());
    return 2;
  }
  layered_config cfg(std::move(file_cfg), tern::web::env_config{});

  std::string page(live_dashboard::page);
  if (!page_file.empty()) {
    auto text = read_text(page_file);
    if (!text) {
      std::fprintf(stderr, "tern-live-dashboard: cannot read %s\n", page_file.c_str());
      return 2;
    }
    page = std::move(*text);
  }

  // connect_async: the page comes up even while the broker is unreachable
  // (its status badge says so); the client keeps reconnecting.
  tern::web::mqtt mqtt({.connect_async = true, .mqtt_logging = verbose});
  if (!verbose) {
    mqtt.on_log([](tern::web::mqtt&, const std::any&, tern::log_level level, const std::string& text) {
      if (level == tern::web::MQTT_LOG_WARNING || level == tern::web::MQTT_LOG_ERR)
        std::fprintf(stderr, "tern-live-dashboard: %s\n", text.c_str());
    });
  }

  httplib::Server server;
  // Each open page holds one event stream, and so one server thread.
  tern::httplib_binding::set_server_threads(server, 24);
  // A demo: open access, no login. A real application sets access rules
  // or an authorization hook (docs/web.md, "Who may do what").
  tern::httplib_binding::options http_opts;
  http_opts.max_streams = 16;
  http_opts.bridge.open_access = true;
  tern::httplib_binding::binding mqtt_http(server, mqtt, http_opts);
  server.Get("/", [&page](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(page, "text/html; charset=utf-8");
  });

  try {
    mqtt_http.start(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern-live-dashboard: %s\n", e.what());
    return 2;
  }
  if (!server.bind_to_port(host, port)) {
    std::fprintf(stderr, "tern-live-dashboard: cannot listen on %s\n", listen.c_str());
    return 1;
  }

  std::thread signals([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    mqtt_http.stop();
  });

  std::printf("tern-live-dashboard: http://%s:%d/ (MQTT broker %s:%s; open access: anyone who reaches this port "
              "may publish and subscribe)\n",
              host.c_str(), port, value_text(cfg, "MQTT_BROKER_URL", "localhost").c_str(),
              value_text(cfg, "MQTT_BROKER_PORT", "1883").c_str());
  std::fflush(stdout);
  bool ok = mqtt_http.listen_after_bind();
  // listen_after_bind() also returns when the server fails: wake the signal thread.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return ok ? 0 : 1;
}
