// tern-live-dashboard: Flask-MQTT's Flask-SocketIO example in C++. A page at
// / with a subscribe form, a publish form, an "unsubscribe all" button and a
// live list of received messages, over the cpp-httplib binding's endpoints
// under /mqtt. MQTT_* settings come from the environment and --config FILE.
// See docs/web.md ("The demo"); scripts/demo.sh runs it against a private
// mosquitto.

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

#include "serve.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace live_dashboard {
extern const std::string_view page;  // index.html, embedded by embed.py
}

namespace {

constexpr const char* usage =
    "usage: tern-live-dashboard [--binding httplib|beast] [--listen HOST:PORT] [--config FILE] [--page FILE]\n"
    "                           [--verbose]\n"
    "\n"
    "Serves a live MQTT dashboard at http://HOST:PORT/ (default 127.0.0.1:5000)\n"
    "and tern's web bridge under /mqtt, through cpp-httplib (HTTP and Server-Sent\n"
    "Events; the default) or Boost.Beast (the same, and a WebSocket at /mqtt/ws,\n"
    "which the page then uses). MQTT settings: MQTT_* environment\n"
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
  std::string binding = "httplib";
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
    else if (a == "--binding") binding = value();
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
  if (binding != "httplib" && binding != "beast") {
    std::fprintf(stderr, "tern-live-dashboard: --binding wants httplib or beast, got '%s'\n", binding.c_str());
    return 2;
  }

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
  // The demo has no message handler: its messages go to the web clients
  // only (on the network thread), never to the handler thread.
  tern::web::mqtt mqtt({.connect_async = true, .mqtt_logging = verbose, .queue_unclaimed_messages = false});
  if (!verbose) {
    // Problems only: a reader of every level would turn on the per-packet
    // DEBUG lines, a handler-thread wake-up for every message.
    mqtt.on_log(
        [](tern::web::mqtt&, const std::any&, tern::log_level, const std::string& text) {
          std::fprintf(stderr, "tern-live-dashboard: %s\n", text.c_str());
        },
        tern::web::MQTT_LOG_WARNING | tern::web::MQTT_LOG_ERR);
  }

  live_dashboard::site site{host, port, std::move(page), cfg, stop_signals,
                            value_text(cfg, "MQTT_BROKER_URL", "localhost") + ":" +
                                value_text(cfg, "MQTT_BROKER_PORT", "1883")};
  return binding == "beast" ? live_dashboard::serve_beast(mqtt, site) : live_dashboard::serve_httplib(mqtt, site);
}
