#pragma once
// Errors of the transports (TCP, proxy, TLS, WebSocket) and of the client's
// connection handling. Category "tern.transport". Errors that Asio or OpenSSL
// report (host not found, connection refused, certificate verify failed)
// keep their own categories and messages.

#include <system_error>

namespace tern {

enum class transport_errc : int {
  invalid_broker_uri = 1,  ///< a broker URI that cannot be parsed
  unsupported_scheme,      ///< a scheme other than mqtt, tcp, mqtts, ssl, ws, wss
  tls_unavailable,         ///< mqtts:// or wss:// in a tern built without TLS (-Dtls=disabled)
  no_brokers,              ///< the broker list is empty
  connect_timeout,         ///< resolve + connect + handshakes did not finish in time
  tls_setup_failed,        ///< CA, certificate, key, cipher list, version or ALPN list could not be loaded
  invalid_proxy_uri,       ///< proxy_options::url cannot be parsed, or names an unknown scheme
  proxy_refused,           ///< the proxy would not connect to the broker (an HTTP status, a SOCKS reply code)
  proxy_auth_failed,       ///< the proxy refused the credentials, or wants some the URL does not have
  proxy_protocol_error,    ///< the proxy answered something that is not its protocol
  proxy_closed,            ///< the proxy closed the connection during its handshake
  alpn_refused,            ///< the broker selected none of the ALPN protocols offered
};

const std::error_category& transport_category() noexcept;
/// Whether `ec` is a TLS failure: `transport_errc::tls_setup_failed`, or an
/// error of OpenSSL's or of the TLS stream's category (a failed handshake,
/// a certificate that does not verify, a truncated TLS stream). In the
/// `tern` library.
bool is_tls_error(std::error_code ec) noexcept;
inline std::error_code make_error_code(transport_errc e) noexcept {
  return {static_cast<int>(e), transport_category()};
}

}  // namespace tern

template <>
struct std::is_error_code_enum<tern::transport_errc> : std::true_type {};
