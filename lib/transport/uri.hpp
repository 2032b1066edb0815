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
  bool operator==(const broker_uri&) const = default;
};

/// A proxy_options::url, parsed.
struct proxy_uri {
  enum class kind : std::uint8_t { http, socks5 };
  kind type = kind::http;
  std::string host;  ///< without brackets for IPv6 literals
  std::uint16_t port = 0;
  bool has_credentials = false;
  std::string user, password;  ///< percent-decoded
  /// "http://host:port" without the credentials: how errors name the proxy.
  std::string display;
};

/// Parses a proxy URL: `http://`, `socks5://` or `socks5h://`, optional
/// `user[:password]@`, a host, an optional port (8080 for HTTP, 1080 for
/// SOCKS5), an optional "/". Errors: `transport_errc::invalid_proxy_uri`.
result<proxy_uri> parse_proxy_uri(std::string_view url);

/// Parses `uri`. Errors: `transport_errc::invalid_broker_uri` (empty host,
/// bad port, unclosed '['), `transport_errc::unsupported_scheme`.
result<broker_uri> parse_broker_uri(std::string_view uri, std::string_view default_ws_path = "/mqtt");

}  // namespace tern::transport
