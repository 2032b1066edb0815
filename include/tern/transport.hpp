#pragma once
// How tern reaches a broker: the options of the transport layers (TCP, a
// proxy, TLS, WebSocket), apart from the client so that the transport
// depends on nothing above it. `client_options` is a `transport_options`.
// See docs/transport.md.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tern {

/// TLS settings for mqtts:// and wss:// brokers (Flask-MQTT's MQTT_TLS_* keys).
struct tls_options {
  /// CA certificates: a PEM file and/or a hashed directory. Both empty: the
  /// system store (OpenSSL's default paths).
  ///@{
  std::string ca_file;
  std::string ca_path;
  ///@}
  /// Client certificate chain and key (PEM), for brokers that require one.
  /// `key_file` empty: the key is in `cert_file`.
  ///@{
  std::string cert_file;
  std::string key_file;
  ///@}
  /// The passphrase of an encrypted `key_file`; empty: none.
  std::string key_password;
  /// Broker certificate requirement: `none` skips verification entirely;
  /// `optional` and `required` (the default) verify the chain.
  enum class requirement : std::uint8_t { none, optional, required };
  requirement cert_reqs = requirement::required;  ///< see `requirement`
  /// The lowest TLS version accepted. Default TLS 1.2.
  enum class version : std::uint8_t { tls1_2, tls1_3 };
  version min_version = version::tls1_2;  ///< see `version`
  /// OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default.
  std::string ciphers;
  /// Skips only the host name check (the chain is still verified) and logs a
  /// warning on every connection. Flask-MQTT's MQTT_TLS_INSECURE.
  bool insecure = false;
  /// Application protocols offered in the TLS handshake (ALPN, RFC 7301), in
  /// order of preference: "x-amzn-mqtt-ca" for AWS IoT Core on port 443, say.
  /// Empty (the default): none offered. When some are offered, a broker
  /// that selects none of them fails the connection with
  /// `transport_errc::alpn_refused`; each name is 1 to 255 bytes, or the
  /// connection fails with `transport_errc::tls_setup_failed`.
  std::vector<std::string> alpn;
  /// Field by field: a client shares the default settings instead of copying them.
  bool operator==(const tls_options&) const = default;
};

/// WebSocket settings for ws:// and wss:// brokers.
struct websocket_options {
  /// The HTTP path, for broker URIs that name none. Default "/mqtt".
  std::string path = "/mqtt";
  /// Extra HTTP headers of the upgrade request (an Authorization or Origin header, say).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Field by field: a client shares the default settings instead of copying them.
  bool operator==(const websocket_options&) const = default;
};

/// A proxy between the client and every broker.
struct proxy_options {
  /// Empty (the default): connect directly. Otherwise the proxy's URL:
  /// - `http://[user[:password]@]host[:port]`: an HTTP proxy's CONNECT
  ///   tunnel (port 8080 by default), with Basic authentication when the
  ///   URL has a user;
  /// - `socks5h://[user[:password]@]host[:port]` (or `socks5://`): a SOCKS5
  ///   proxy (port 1080 by default), with user/password authentication when
  ///   the URL has a user. Either way the proxy resolves the broker's host
  ///   name, so names only the proxy's network knows work.
  /// User and password are percent-decoded (`%40` for '@'). TLS and
  /// WebSocket run inside the tunnel, end to end with the broker. A URL that
  /// cannot be parsed fails every connection with
  /// `transport_errc::invalid_proxy_uri`.
  std::string url;
  /// Field by field: a client shares the default settings instead of copying them.
  bool operator==(const proxy_options&) const = default;
};

/// The transport layers' settings; `client_options` derives from it.
struct transport_options {
  tls_options tls;              ///< for mqtts:// and wss:// brokers
  websocket_options websocket;  ///< for ws:// and wss:// brokers
  proxy_options proxy;          ///< an HTTP CONNECT or SOCKS5 proxy on the way, if any
  /// TCP_NODELAY: on by default, since MQTT packets are small and latency matters.
  bool tcp_nodelay = true;
};

}  // namespace tern
