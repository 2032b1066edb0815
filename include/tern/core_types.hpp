#pragma once
// The smallest vocabulary of tern, shared by every layer and by the light
// public headers (<tern/client.hpp>): protocol versions, QoS, log levels and
// message ids. Includes nothing beyond <cstdint>.

#include <cstdint>

namespace tern {

/// Protocol level on the wire: 3 is MQTT 3.1 (`MQIsdp`), 4 is MQTT 3.1.1 (`MQTT`).
enum class protocol_version : std::uint8_t { v3_1 = 3, v3_1_1 = 4 };

/// Quality of service (4.3).
enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// The SUBACK return code of a refused filter (3.9.3); 0, 1 and 2 are the
/// QoS granted.
inline constexpr std::uint8_t suback_failure = 0x80;

/// Log levels, with Flask-MQTT's (paho's) values so they map one to one:
/// MQTT_LOG_INFO 0x01, MQTT_LOG_NOTICE 0x02, MQTT_LOG_WARNING 0x04,
/// MQTT_LOG_ERR 0x08, MQTT_LOG_DEBUG 0x10. They are bits, so a mask of them
/// selects which lines a session emits (`session_options::log_mask`).
enum class log_level : std::uint8_t { info = 0x01, notice = 0x02, warning = 0x04, err = 0x08, debug = 0x10 };

/// A mask of levels: `log_level::warning | log_level::err`.
constexpr std::uint8_t operator|(log_level a, log_level b) noexcept {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
constexpr std::uint8_t operator|(std::uint8_t mask, log_level b) noexcept {
  return static_cast<std::uint8_t>(mask | static_cast<std::uint8_t>(b));
}

/// An identifier the session gives each publish, subscribe and unsubscribe
/// (paho's and Flask-MQTT's `mid`). Never 0; wraps around after 2^32 - 1. It
/// is not the packet identifier: a message keeps its `mid` across reconnects
/// while it may get a new packet identifier.
using message_id = std::uint32_t;

}  // namespace tern
