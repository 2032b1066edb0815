#pragma once
// Keep-alive [MQTT-3.1.2-23]: a PINGREQ when nothing was sent for the
// interval, or nothing received (so that a client that only publishes still
// finds out that the link died), and a response deadline after each
// PINGREQ that any received packet clears. By default the deadline is half
// the interval, so a dead link is noticed within 1.5 intervals of the last
// packet received, the time a server gives a silent client [MQTT-3.1.2-24].

#include <chrono>

#include "tern/session.hpp"

namespace tern::detail {

class keep_alive {
 public:
  enum class due { nothing, send_ping, timed_out };

  /// Starts (or restarts) the clock for a connection; `interval` 0 disables
  /// pings. `response_timeout` 0: half the interval, at least 1 s (or the
  /// interval when that is shorter).
  void start(std::chrono::seconds interval, clock::duration response_timeout, clock::time_point now) noexcept;
  void stop() noexcept;
  void on_sent(clock::time_point now) noexcept { last_sent_ = now; }
  void on_received(clock::time_point now) noexcept {
    last_received_ = now;
    response_due_ = clock::time_point::max();
  }
  /// What is due at `now`. After `send_ping`, send PINGREQ and call `on_ping_sent`.
  due check(clock::time_point now) const noexcept;
  void on_ping_sent(clock::time_point now) noexcept;
  void on_pingresp() noexcept {
    if (pingresps_due_ > 0) --pingresps_due_;
  }
  /// A PINGREQ went out and its PINGRESP has not come. Unlike the response
  /// deadline, which any packet clears, only a PINGRESP ends this, one per
  /// PINGREQ (a response timeout longer than the interval lets a second
  /// PINGREQ go out before the first is answered).
  bool awaiting_pingresp() const noexcept { return pingresps_due_ > 0; }
  /// The earliest time `check` can answer something else than `nothing`.
  clock::time_point deadline() const noexcept;

 private:
  bool running_ = false;
  clock::duration interval_{};
  clock::duration response_timeout_{};
  clock::time_point last_sent_{};
  clock::time_point last_received_{};
  clock::time_point response_due_ = clock::time_point::max();
  unsigned pingresps_due_ = 0;
};

}  // namespace tern::detail
