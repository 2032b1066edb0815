#pragma once
// The bench's own MQTT connections, through tern's client (each with its
// own I/O thread, in the bench process): the publisher of the down path,
// and a subscriber that counts what the up path's requests made arrive at
// the broker. Kept apart from the Boost.Asio readers: tern builds on
// standalone Asio.

#include <cstdint>
#include <memory>
#include <string>

namespace tern::web_bench {

class mqtt_side {
 public:
  mqtt_side(const std::string& host, int port);
  ~mqtt_side();

  /// Waits for both CONNACKs; false after `seconds`.
  bool wait_connected(double seconds);
  /// A QoS 0 publish; false when the client refused it.
  bool publish(const std::string& topic, const std::string& payload);
  /// Subscribes the counter to `filter` and waits for the SUBACK.
  bool count_arrivals(const std::string& filter, double seconds);
  std::uint64_t arrivals() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tern::web_bench
