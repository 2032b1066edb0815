#pragma once
// Errors of the transports (TCP, proxy, TLS, WebSocket) and of the client's
// connection handling. Category "tern.transport". Errors that Asio or OpenSSL
// report (host not found, connection refused, certificate verify failed)
// keep their own categories and messages.

#include <system_error>

#include "tern/error.hpp"

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

/// WebSocket (RFC 6455) failures of ws:// and wss:// connections. Category
/// "tern.websocket".
enum class websocket_errc : int {
  handshake_failed = 1,      ///< the upgrade response status is not 101 (4.1); the parser keeps the status
  bad_response,              ///< the upgrade response is not well-formed HTTP/1.1 (4.2.2)
  header_too_large,          ///< the upgrade response header is over the configured limit
  bad_upgrade,               ///< `Upgrade: websocket` or `Connection: Upgrade` missing (4.1)
  bad_accept,                ///< `Sec-WebSocket-Accept` missing or wrong for our key (4.1)
  unexpected_extension,      ///< the server chose an extension the client did not offer (4.1)
  no_mqtt_subprotocol,       ///< the server did not choose subprotocol "mqtt" [MQTT-6.0.0-4]
  text_frame,                ///< a text frame: MQTT travels in binary frames only [MQTT-6.0.0-1]
  masked_server_frame,       ///< a masked frame from the server (5.1)
  reserved_bits,             ///< RSV1-3 set without a negotiated extension (5.2)
  bad_opcode,                ///< a reserved opcode (5.2)
  bad_control_frame,         ///< a fragmented control frame or one over 125 bytes (5.5)
  bad_continuation,          ///< a continuation with no message open, or a new message inside one (5.4)
  bad_length,                ///< a 64-bit length with the top bit set, or a non-minimal length (5.2)
  frame_too_large,           ///< a frame payload over the configured maximum
  bad_close_frame,           ///< a close payload of 1 byte, an invalid code or a non-UTF-8 reason (5.5.1, 7.4)
  closed,                    ///< the WebSocket connection is closed (close frame received or sent)
};

const std::error_category& websocket_category() noexcept;
inline std::error_code make_error_code(websocket_errc e) noexcept {
  return {static_cast<int>(e), websocket_category()};
}
inline std::error_code make_error_code(transport_errc e) noexcept {
  return {static_cast<int>(e), transport_category()};
}

}  // namespace tern

template <>
struct std::is_error_code_enum<tern::transport_errc> : std::true_type {};
template <>
struct std::is_error_code_enum<tern::websocket_errc> : std::true_type {};
