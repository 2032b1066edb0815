// Helper for the shared-group test: one worker process of a web application,
// as a pre-forking server would run several. It configures a tern::web::mqtt
// from a config file (or, without one, from the MQTT_* environment), e.g.
// MQTT_CLIENT_ID=worker-{pid} and MQTT_SHARED_GROUP=g, subscribes to FILTER at
// QoS 1 and handles every message with an on_topic handler.
//
//   web_worker FILTER [CONFIG_FILE [QUIET_SECONDS]]
//
// stdout, one line each, flushed at once so that the test can follow along:
//   ready CLIENT_ID   after a SUBACK that granted the subscription
//   N                 the payload (a sequence number) of each handled message
//   bad PAYLOAD       a payload that is not a non-negative decimal number
//   unexpected TOPIC  a message that reached on_message instead of on_topic
// stderr: warnings and errors of the facade, a lost connection, and at exit
// "handled N". Exits 0 on SIGTERM or SIGINT, or after QUIET_SECONDS (default
// 60) without a message, so that a worker whose test died does not linger.

#include <signal.h>
#include <time.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "tern/web/config.hpp"
#include "tern/session_options.hpp"
#include "tern/web/mqtt.hpp"

namespace {

using steady = std::chrono::steady_clock;

std::atomic<std::uint64_t> handled{0};
std::atomic<steady::rep> last_activity{0};

void touch() { last_activity = steady::now().time_since_epoch().count(); }

void print_line(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: web_worker FILTER [CONFIG_FILE [QUIET_SECONDS]]\n");
    return 2;
  }
  const std::string filter = argv[1];
  const std::chrono::seconds quiet{argc > 3 ? std::atoi(argv[3]) : 60};

  // Blocked before the facade starts its threads, which inherit the mask, so
  // that the signals reach only the sigtimedwait below: the shutdown then runs
  // on the main thread, never inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    std::unique_ptr<tern::web::config_source> config;
    if (argc > 2) config = std::make_unique<tern::web::config_map>(tern::web::load_config_file(argv[2]));
    else config = std::make_unique<tern::web::env_config>();

    tern::web::mqtt m;
    m.on_subscribe([](tern::web::mqtt& self, const std::any&, tern::message_id, const std::vector<int>& granted) {
      if (!granted.empty() && granted[0] != 0x80) print_line("ready " + std::string(self.client_id()));
      else print_line("refused " + std::string(self.client_id()));
    });
    m.on_topic(filter, [](tern::web::mqtt&, const std::any&, const tern::web::message& msg) {
      const char* first = msg.payload.data();
      const char* last = first + std::string(msg.payload).size();
      unsigned long seq = 0;
      auto [end, ec] = std::from_chars(first, last, seq);
      if (ec != std::errc{} || end != last || msg.payload.empty()) print_line("bad " + std::string(msg.payload));
      else print_line(std::to_string(seq));
      ++handled;
      touch();
    });
    m.on_message([](tern::web::mqtt&, const std::any&, const tern::web::message& msg) {
      print_line("unexpected " + std::string(msg.topic));
    });
    m.on_disconnect([](tern::web::mqtt&, const std::any&, int rc) {
      if (rc != tern::web::MQTT_ERR_SUCCESS) std::fprintf(stderr, "connection lost: rc %d\n", rc);
    });
    m.on_log([](tern::web::mqtt&, const std::any&, tern::log_level level, const std::string& text) {
      if (level == tern::web::MQTT_LOG_WARNING || level == tern::web::MQTT_LOG_ERR)
        std::fprintf(stderr, "%s %s\n", std::string(tern::to_string(level)).c_str(), text.c_str());
    });
    // Desired state: remembered now, sent after the CONNACK (and again after
    // any reconnect), as `$share/<group>/FILTER` when MQTT_SHARED_GROUP is set.
    (void)m.subscribe(filter, 1);
    touch();
    m.init_app(*config);

    const timespec slice{0, 200'000'000};
    for (;;) {
      if (sigtimedwait(&stop_signals, nullptr, &slice) > 0) break;
      if (steady::now() - steady::time_point(steady::duration(last_activity.load())) > quiet) {
        std::fprintf(stderr, "no message for %lld s: exiting\n", static_cast<long long>(quiet.count()));
        break;
      }
    }
    m.disconnect();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "web_worker: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "handled %llu\n", static_cast<unsigned long long>(handled.load()));
  return 0;
}
