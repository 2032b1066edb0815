#pragma once
// Broker URIs: mqtt:// tcp:// (1883), mqtts:// ssl:// (8883), ws:// (80),
// wss:// (443). A bare "host" or "host:port" means mqtt://.

#include <cstdint>
#include <string>
#include <string_view>

#include "tern/result.hpp"
#include "tern/transport_error.hpp"

namespace tern::transport {

struct broker_uri {
  bool tls = false;
  bool websocket = false;
  std::string host;        ///< without brackets for IPv6 literals
  std::uint16_t port = 0;  ///< the scheme's default when the URI has none
  std::string path;        ///< WebSocket path; `default_ws_path` when the URI has none
  bool default_port = true;
};

/// Parses `uri`. Errors: `transport_errc::invalid_broker_uri` (empty host,
/// bad port, unclosed '['), `transport_errc::unsupported_scheme`.
result<broker_uri> parse_broker_uri(std::string_view uri, std::string_view default_ws_path = "/mqtt");

}  // namespace tern::transport
