#pragma once
// The client side of the WebSocket opening handshake (RFC 6455 4.1, 4.2.2),
// sans I/O: the upgrade request as bytes, and an incremental parser that
// checks the server's response.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "transport/websocket/frame.hpp"

namespace tern::websocket {

/// The subprotocol MQTT runs over [MQTT-6.0.0-3].
inline constexpr std::string_view mqtt_subprotocol = "mqtt";
/// Default request path: the one Mosquitto, EMQX and HiveMQ serve MQTT on.
inline constexpr std::string_view default_path = "/mqtt";
/// Default limit on the size of the response header (status line to the empty line).
inline constexpr std::size_t default_max_response_header = 16 * 1024;

/// The Sec-WebSocket-Key for 16 random bytes (4.1 item 7): their Base64 form,
/// 24 characters. The caller supplies the randomness (a fresh nonce per connection).
std::string make_key(std::span<const std::byte, 16> random);

/// The Sec-WebSocket-Accept a server must answer for `key` (4.2.2 item 5.4):
/// Base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string accept_for(std::string_view key);

/// An extra request header, e.g. `Authorization` or `Origin`.
struct http_header {
  std::string_view name;
  std::string_view value;
};

/// What the upgrade request asks for.
struct upgrade_target {
  std::string_view host{};          ///< host name or IP literal (an IPv6 literal with or without brackets)
  std::uint16_t port = 80;
  bool secure = false;              ///< wss: the default port is 443 rather than 80 (3)
  std::string_view path = default_path;  ///< the resource name: "/" and an optional query (3)
  std::span<const http_header> extra_headers{};  ///< sent as given, after the required ones
};

/// Appends the HTTP/1.1 upgrade request (4.1) to `out`:
/// ```
/// GET /mqtt HTTP/1.1\r\n
/// Host: broker.example:8080\r\n          (":port" only when not the scheme's default)
/// Upgrade: websocket\r\n
/// Connection: Upgrade\r\n
/// Sec-WebSocket-Key: <key>\r\n
/// Sec-WebSocket-Version: 13\r\n
/// Sec-WebSocket-Protocol: mqtt\r\n       [MQTT-6.0.0-3]
/// <extra headers>\r\n
/// \r\n
/// ```
/// Errors: `errc::invalid_argument` (and `out` unchanged) for an empty host,
/// a path not starting with '/', a key that is not 24 characters, a header
/// name that is not an HTTP token or is one of Host, Upgrade, Connection and
/// Sec-WebSocket-* (tern sets those), or a name or value with CR, LF or NUL
/// (which would inject headers). No extension is offered, so a server may not
/// set RSV bits.
std::error_code build_upgrade_request(const upgrade_target& target, std::string_view key, std::string& out);

/// The response header is complete and valid: the connection is open.
/// `consumed` bytes of the last input belong to the response; any that
/// follow are WebSocket frames that came in the same read.
struct handshake_complete {
  std::size_t consumed = 0;
};

using handshake_result = std::variant<handshake_complete, need_more, std::error_code>;

/// Reads the server's answer to the upgrade request, in pieces of any size,
/// and checks it (4.1, "the client MUST validate the server's response"):
/// 1. the status line is `HTTP/1.1 101 ...`;
/// 2. `Upgrade` is `websocket` and `Connection` holds the token `upgrade`
///    (comma lists, case-insensitive);
/// 3. `Sec-WebSocket-Accept` equals `accept_for(key)`;
/// 4. no `Sec-WebSocket-Extensions` (none was offered);
/// 5. `Sec-WebSocket-Protocol` is `mqtt` [MQTT-6.0.0-4].
/// Header names are case-insensitive; values are trimmed of spaces and tabs.
/// A header that should appear once and appears twice fails like a wrong one.
///
/// `feed` copies the header into a buffer it owns (at most `max_header`
/// bytes, once per connection) and stops at the empty line.
///
/// Errors (sticky: `feed` repeats them):
/// - `websocket_errc::handshake_failed`: the status is not 101; `status()`
///   and `reason()` say what the server answered (e.g. 401 Unauthorized), and
///   `header(name)` finds a `Location` or `WWW-Authenticate`.
/// - `websocket_errc::bad_response`: not an HTTP/1.x status line, or (after a
///   101) a header line that is not `name: value`.
/// - `websocket_errc::header_too_large`: no empty line within `max_header` bytes.
/// - `websocket_errc::bad_upgrade`, `websocket_errc::bad_accept`,
///   `websocket_errc::unexpected_extension`, `websocket_errc::no_mqtt_subprotocol`:
///   checks 2 to 5 above, in that order.
///
/// **Thread safety:** distinct objects safe, shared objects unsafe.
class response_parser {
 public:
  /// `key` is the Sec-WebSocket-Key that was sent.
  explicit response_parser(std::string_view key, std::size_t max_header = default_max_response_header);

  /// Takes the next received bytes. Answers `need_more` when all of `in` was
  /// taken and the header is not complete yet, `handshake_complete` with the
  /// bytes of `in` that ended the header, or the error.
  handshake_result feed(bytes_view in);

  /// The status code, once the status line is in (0 before).
  int status() const noexcept { return status_; }
  /// The reason phrase of the status line (a view into the parser's buffer).
  std::string_view reason() const noexcept { return std::string_view(buf_).substr(reason_at_, reason_size_); }
  /// The value of the first header called `name` (case-insensitive), once the
  /// header is complete; a view into the parser's buffer.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// Forgets everything, for a new connection with a new key.
  void reset(std::string_view key);

 private:
  std::error_code validate();

  std::string expected_accept_;
  std::size_t max_header_;
  std::string buf_;
  std::size_t end_ = 0;  // size of the complete header, 0 until "\r\n\r\n" is found
  int status_ = 0;
  std::size_t reason_at_ = 0;  // offsets into buf_, so that copies stay valid
  std::size_t reason_size_ = 0;
  std::error_code error_;
};

}  // namespace tern::websocket
