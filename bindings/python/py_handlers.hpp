#pragma once
// Python handlers on a tern::web::mqtt: each Python callable is wrapped in a
// C++ handler that builds paho-shaped arguments and calls it. They only ever
// run inside run_pending, with the GIL held.

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::python {

/// What every handler is called with besides the event: Flask-MQTT's
/// `client` (the Python Mqtt object, held weakly: it owns us) and `userdata`.
struct handler_context {
  pybind11::weakref owner;
  pybind11::object userdata = pybind11::none();
  /// Set by close(): handlers still queued are skipped, without calling Python.
  std::atomic<bool> closing{false};
};

/// `kind`: connect, disconnect, message, every_message, publish, subscribe,
/// unsubscribe, log.
/// `form`: which arguments the handler takes, decided once by the caller from
/// its signature: "full" (paho's), or the shorter forms older releases used,
/// "none" for disconnect (Flask-MQTT before 1.3) and "no_flags" for connect
/// (`client, userdata, rc`: paho before 1.3), or "message" for the message
/// kinds (`fn(message)` alone).
/// `levels`: for "log", the log levels the handler takes (a bitwise or of
/// MQTT_LOG_*); paho's per-packet DEBUG lines are made only while a handler
/// takes them.
/// @throws std::invalid_argument for another kind, or a form the kind has not.
web::handler_id register_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx, const std::string& kind,
                                 pybind11::object fn, const std::string& form = "full", std::uint8_t levels = 0x1F);
/// on_topic(filter); `form` "full" or "message" as above.
/// @throws std::invalid_argument for an invalid filter.
web::handler_id register_topic_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx,
                                       const std::string& filter, pybind11::object fn,
                                       const std::string& form = "full");

/// Defines `MQTTMessage`: paho's message (topic, payload, qos, retain, mid, dup,
/// timestamp, properties), a small C type (one allocation per message,
/// attribute reads are slot reads).
void define_message_type(pybind11::module_& mod);

}  // namespace tern::python
