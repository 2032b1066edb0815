#pragma once
// One row of the benchmark: its settings, and the two kinds of run. Each
// prints one line of key=value fields (scripts/bench-web.sh reads them).

#include <sys/types.h>

#include <string>

#include "readers.hpp"
#include "up_clients.hpp"

namespace tern::web_bench {

struct row_settings {
  std::string mode = "down";   // down | up
  std::string proto = "sse";   // down: sse | ws | sio; up: http | ws | sio
  endpoint_spec server;        // the web server under test; filter: the topic
  std::string broker_host = "127.0.0.1";
  int broker_port = 1883;
  pid_t server_pid = 0;        // whose CPU and RSS are measured
  std::size_t clients = 1;
  double rate = 1000;          // down: publishes per second
  double duration = 5;         // seconds of publishing (down) or of requests (up)
  double drain = 0;            // down: longest wait for stragglers after the last publish; 0: max(2, duration)
  double connect_timeout = 60; // seconds for every client to open
  int threads = 1;             // reader threads
  std::size_t concurrent_connects = 32;
};

/// Both print their line on stdout and return 0, or 1 when the row could
/// not run at all (no broker); a row whose clients were refused still prints.
int run_down(const row_settings& s);
int run_up(const row_settings& s);

}  // namespace tern::web_bench
