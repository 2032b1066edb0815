#include <string>

#include "tern/transport_error.hpp"

namespace tern {
namespace {

class transport_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tern.transport"; }
  std::string message(int ev) const override {
    switch (static_cast<transport_errc>(ev)) {
      case transport_errc::invalid_broker_uri: return "invalid broker URI";
      case transport_errc::unsupported_scheme:
        return "unsupported broker URI scheme (use mqtt, tcp, mqtts, ssl, ws or wss)";
      case transport_errc::tls_unavailable: return "TLS requested but tern was built without TLS";
      case transport_errc::no_brokers: return "no broker to connect to";
      case transport_errc::connect_timeout: return "connect timeout: the broker did not accept the connection in time";
      case transport_errc::tls_setup_failed: return "TLS setup failed (CA, certificate, key, ciphers, version or ALPN)";
      case transport_errc::invalid_proxy_uri:
        return "invalid proxy URL (use http://[user[:password]@]host[:port] or socks5h://...)";
      case transport_errc::proxy_refused: return "the proxy refused to connect to the broker";
      case transport_errc::proxy_auth_failed: return "the proxy refused the authentication";
      case transport_errc::proxy_protocol_error: return "the proxy's answer is not HTTP CONNECT's or SOCKS5's";
      case transport_errc::proxy_closed: return "the proxy closed the connection during its handshake";
      case transport_errc::alpn_refused: return "the broker accepted none of the ALPN protocols offered";
    }
    return "unknown transport error " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& transport_category() noexcept {
  static const transport_category_impl c;
  return c;
}

}  // namespace tern
