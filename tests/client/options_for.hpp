#pragma once
// The options every client test starts from: one broker on loopback, no
// reconnect, a short transport timeout.

#include <chrono>
#include <cstdint>
#include <string>

#include "tern/client_options.hpp"

namespace tern::test {

inline client_options options_for(std::uint16_t port) {
  client_options o;
  o.brokers = {"mqtt://127.0.0.1:" + std::to_string(port)};
  o.reconnect.enabled = false;
  o.transport_timeout = std::chrono::seconds(5);
  return o;
}

/// The same for a test broker (anything with a `port()`).
template <class Broker>
  requires requires(const Broker& b) { b.port(); }
client_options options_for(const Broker& broker) {
  return options_for(broker.port());
}

}  // namespace tern::test
