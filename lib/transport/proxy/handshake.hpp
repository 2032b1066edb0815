#pragma once
// The client side of a proxy's handshake, sans I/O: bytes to send, the
// proxy's bytes fed back, until the tunnel to the broker is open or the
// proxy said no. The stream's proxy layer runs one over TCP; after it the
// connection carries the broker's bytes untouched.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tern/packet.hpp"

namespace tern::transport::proxy {

/// Where the tunnel goes, and with which credentials.
struct tunnel_request {
  std::string_view host;  ///< a name (resolved by the proxy) or an IP literal, without brackets
  std::uint16_t port = 0;
  bool has_credentials = false;
  std::string_view user;
  std::string_view password;
};

class handshake {
 public:
  virtual ~handshake() = default;
  /// Appends the first bytes to send to `out`. Errors:
  /// `transport_errc::invalid_proxy_uri` for a request the protocol cannot
  /// carry (a host or credential too long, a control character in the host).
  virtual std::error_code start(const tunnel_request& request, std::vector<std::byte>& out) = 0;
  /// Feeds the proxy's bytes in any pieces; appends what to send next to
  /// `out`. An error ends the handshake (`detail()` says what the proxy
  /// answered): `proxy_refused`, `proxy_auth_failed`, `proxy_protocol_error`.
  /// Bytes beyond the proxy's answer are a protocol error: the broker never
  /// speaks first (MQTT, TLS and WebSocket clients do).
  virtual std::error_code on_bytes(bytes_view in, std::vector<std::byte>& out) = 0;
  /// The tunnel is open.
  virtual bool done() const noexcept = 0;
  /// The proxy's answer in words ("HTTP 407 Proxy Authentication Required",
  /// "SOCKS5 reply 5: connection refused"); empty before it answered.
  const std::string& detail() const noexcept { return detail_; }

 protected:
  std::string detail_;
};

/// HTTP CONNECT (RFC 9110 9.3.6), with Basic authentication (RFC 7617).
std::unique_ptr<handshake> make_http_connect();
/// SOCKS5 (RFC 1928) with no authentication or user/password (RFC 1929);
/// the host goes to the proxy as a name unless it is an IP literal.
std::unique_ptr<handshake> make_socks5();

}  // namespace tern::transport::proxy
