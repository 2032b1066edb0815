// Helper for the store kill tests: publishes "<n>" for n = FIRST..LAST at
// QOS to TOPIC with a fixed client id, a persistent session and a file store
// in DIR, then waits until every message is acknowledged and prints "done".
// Around each publish() it writes "p <n>" (about to publish) and "a <n>"
// (publish() accepted it) straight to stdout with write(2), so that a
// SIGKILL at any moment leaves an exact record of what was accepted.
//
//   store_publisher URL CLIENT_ID DIR every|batch|none QOS TOPIC FIRST LAST RATE
//
// RATE: messages per second (0: as fast as publish() takes them).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "tern/client_options.hpp"
#include "tern/store.hpp"
#include "tern/error.hpp"

namespace {
void say(const std::string& line) {
  auto s = line + "\n";
  for (std::size_t at = 0; at < s.size();) {
    auto n = ::write(1, s.data() + at, s.size() - at);
    if (n <= 0) std::_Exit(3);
    at += static_cast<std::size_t>(n);
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::fprintf(stderr, "usage: store_publisher URL CLIENT_ID DIR every|batch|none QOS TOPIC FIRST LAST RATE\n");
    return 2;
  }
  std::string policy = argv[4];
  tern::file_store_options fo;
  fo.sync = policy == "every" ? tern::sync_policy::every
            : policy == "none" ? tern::sync_policy::none
                               : tern::sync_policy::batch;
  std::string detail;
  auto store = tern::file_store::open(argv[3], argv[2], fo, &detail);
  if (!store) {
    std::fprintf(stderr, "%s\n", detail.c_str());
    return 1;
  }
  std::shared_ptr<tern::file_store> fs = std::move(*store);
  const auto& report = fs->report();
  std::fprintf(stderr, "store: %zu records, %zu messages restored, %zu bytes dropped%s%s\n", report.records,
               report.messages, report.dropped_bytes, report.damage.empty() ? "" : ": ", report.damage.c_str());

  tern::client_options o;
  o.brokers = {argv[1]};
  o.connect.client_id = argv[2];
  o.connect.clean_session = false;
  o.reconnect.min_delay = std::chrono::milliseconds(50);
  o.reconnect.max_delay = std::chrono::milliseconds(200);
  o.session.max_queued = 2000;
  o.store = fs;
  auto q = static_cast<tern::qos>(std::atoi(argv[5]));
  std::string topic = argv[6];
  long first = std::atol(argv[7]), last = std::atol(argv[8]);
  double rate = std::atof(argv[9]);

  tern::client c(o);
  c.start();
  c.connect();
  auto t0 = std::chrono::steady_clock::now();
  for (long n = first; n <= last; ++n) {
    if (rate > 0) std::this_thread::sleep_until(t0 + std::chrono::duration<double>((n - first) / rate));
    auto payload = std::to_string(n);
    say("p " + payload);
    for (;;) {
      auto r = c.publish(topic, payload, q);
      if (r) break;
      if (r.error() != tern::errc::queue_full) {
        std::fprintf(stderr, "publish %ld: %s\n", n, r.error().message().c_str());
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the queue is full: wait for the broker
    }
    say("a " + payload);
  }
  while (!fs->load().messages.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // all acknowledged
  say("done");
  c.stop();
  return 0;
}
