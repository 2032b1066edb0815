#pragma once
// Flask's app.config (a dict) as a tern::web::config_source.

#include <pybind11/pybind11.h>

#include <string_view>

#include "tern/web/config.hpp"

namespace tern::python {

/// Copies the entries of `config` whose key starts with `prefix` in any case
/// (so that `MQTT_broker_url` reaches the typo report). None is "unset";
/// bool, int, float, str, bytes and lists of str map to config values; an
/// enum member (ssl.CERT_REQUIRED, ssl.PROTOCOL_TLSv1_2) becomes its name.
///
/// @throws tern::web::config_error naming the key, for a value of another type.
web::config_map config_from_dict(const pybind11::dict& config, std::string_view prefix);

}  // namespace tern::python
