#include "transport/uri.hpp"

#include <charconv>

namespace tern::transport {

result<broker_uri> parse_broker_uri(std::string_view uri, std::string_view default_ws_path) {
  broker_uri b;
  std::string_view rest = uri;
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    auto scheme = rest.substr(0, sep);
    rest.remove_prefix(sep + 3);
    if (scheme == "mqtt" || scheme == "tcp") {
    } else if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls") {
      b.tls = true;
    } else if (scheme == "ws") {
      b.websocket = true;
    } else if (scheme == "wss") {
      b.websocket = b.tls = true;
    } else {
      return transport_errc::unsupported_scheme;
    }
  }
  b.port = b.websocket ? (b.tls ? 443 : 80) : (b.tls ? 8883 : 1883);

  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos) return transport_errc::invalid_broker_uri;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return transport_errc::invalid_broker_uri;
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return transport_errc::invalid_broker_uri;
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return transport_errc::invalid_broker_uri;
    b.port = static_cast<std::uint16_t>(value);
    b.default_port = false;
  }
  b.host = std::string(host);
  b.path = path.empty() ? std::string(default_ws_path) : std::string(path);
  return b;
}

}  // namespace tern::transport
