// Helper for the Will tests: connects to URL with a Will, prints "connected"
// once CONNACK arrives, then idles until the test SIGKILLs it, so that its
// socket is cut without DISCONNECT (the client API has no way to do that).
//
//   will_client URL CLIENT_ID WILL_TOPIC WILL_PAYLOAD WILL_QOS

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tern/client_options.hpp"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: will_client URL CLIENT_ID WILL_TOPIC WILL_PAYLOAD WILL_QOS\n");
    return 2;
  }
  tern::client_options o;
  o.brokers = {argv[1]};
  o.connect.client_id = argv[2];
  o.connect.keep_alive = 60;
  o.reconnect.enabled = false;
  tern::will w;
  w.topic = argv[3];
  auto payload = tern::as_bytes(std::string_view(argv[4]));
  w.payload.assign(payload.begin(), payload.end());
  w.qos = static_cast<tern::qos>(std::atoi(argv[5]));
  o.connect.will = std::move(w);

  tern::client c(o);
  c.on_connect([](bool, int rc) {
    if (rc != 0) return;  // on_disconnect follows
    std::printf("connected\n");
    std::fflush(stdout);
  });
  c.on_disconnect([&c](std::error_code ec) {
    std::fprintf(stderr, "disconnected: %s (%s)\n", ec.message().c_str(), c.last_error_detail().c_str());
    std::_Exit(1);
  });
  c.start();
  c.connect();
  for (;;) pause();  // until SIGKILL: the kernel then closes the socket, no DISCONNECT
}
