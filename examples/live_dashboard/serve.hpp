#pragma once
// The demo's two ways to serve the page and the bridge: cpp-httplib
// (serve_httplib.cpp) and Boost.Beast (serve_beast.cpp).

#include <signal.h>

#include <string>

#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace live_dashboard {

struct site {
  std::string host;
  int port;
  std::string page;  // served at /
  const tern::web::config_source& config;
  sigset_t stop_signals;  // blocked in every thread; one thread waits for them
  std::string broker;     // HOST:PORT, for the start line
};

/// Connects the facade, serves until a stop signal, disconnects; the exit status.
int serve_httplib(tern::web::mqtt& mqtt, const site& s);
int serve_beast(tern::web::mqtt& mqtt, const site& s);

/// The start line: where the page is, and that anyone who reaches it may
/// publish and subscribe (the demo sets open access).
void announce(const site& s, const char* binding);

}  // namespace live_dashboard
