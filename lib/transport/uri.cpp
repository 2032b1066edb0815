#include "transport/uri.hpp"

#include <charconv>
#include <optional>

namespace tern::transport {
namespace {

struct host_port {
  std::string_view host;
  std::uint16_t port = 0;  ///< 0: none given
};

// "host", "host:port", "[v6]" or "[v6]:port"; the host is never empty.
std::optional<host_port> parse_host_port(std::string_view authority) {
  host_port hp;
  std::string_view port;
  hp.host = authority;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hp.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    hp.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (hp.host.empty()) return std::nullopt;
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    hp.port = static_cast<std::uint16_t>(value);
  }
  return hp;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int a = hex_value(s[i + 1]), b = hex_value(s[i + 2]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
    i += 2;
  }
  return out;
}

}  // namespace

result<proxy_uri> parse_proxy_uri(std::string_view url) {
  proxy_uri p;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return transport_errc::invalid_proxy_uri;
  auto scheme = url.substr(0, sep);
  if (scheme == "http") {
    p.type = proxy_uri::kind::http;
  } else if (scheme == "socks5" || scheme == "socks5h") {
    p.type = proxy_uri::kind::socks5;
  } else {
    return transport_errc::invalid_proxy_uri;
  }
  auto rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return transport_errc::invalid_proxy_uri;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1));
    if (!user || !password || user->empty()) return transport_errc::invalid_proxy_uri;
    p.has_credentials = true;
    p.user = std::move(*user);
    p.password = std::move(*password);
  }
  auto hp = parse_host_port(rest);
  if (!hp) return transport_errc::invalid_proxy_uri;
  p.host = std::string(hp->host);
  p.port = hp->port != 0 ? hp->port : (p.type == proxy_uri::kind::http ? 8080 : 1080);
  bool v6 = p.host.find(':') != std::string::npos;
  p.display = std::string(scheme) + "://" + (v6 ? "[" + p.host + "]" : p.host) + ":" + std::to_string(p.port);
  return p;
}

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
  auto hp = parse_host_port(authority);
  if (!hp) return transport_errc::invalid_broker_uri;
  std::string_view host = hp->host;
  if (hp->port != 0) {
    b.port = hp->port;
    b.default_port = false;
  }
  b.host = std::string(host);
  b.path = path.empty() ? std::string(default_ws_path) : std::string(path);
  return b;
}

}  // namespace tern::transport
