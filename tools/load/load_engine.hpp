#pragma once
// What a load run drives: an MQTT client library holding many connections.
// tern-load's engine is tern's; bench/load has Paho C's and libmosquitto's,
// so that the same driver measures them side by side.

#include <cstddef>
#include <span>

namespace tern::load {

class load_engine {
 public:
  virtual ~load_engine() = default;
  /// Names the engine in the summary line.
  virtual const char* name() const noexcept = 0;
  /// Starts connecting client `i` (0-based; its %i is `first_index + i`).
  /// Once accepted, a client of a `sub` run subscribes. Reports to the
  /// run's load_stats: the first CONNACK or first failure, later losses and
  /// reconnections, messages received. Called from the driver's thread, in
  /// order of `i`.
  virtual void open(std::size_t i) = 0;
  /// Publishes `payload` from client `i`, which `open` started; the driver's
  /// thread. The payload is reused after the call returns.
  virtual void publish(std::size_t i, std::span<const std::byte> payload) = 0;
  /// Disconnects every client and waits until they are closed.
  virtual void close_all() = 0;
};

}  // namespace tern::load
