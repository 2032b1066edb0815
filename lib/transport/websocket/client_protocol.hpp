#pragma once
// A WebSocket client connection as a state machine (RFC 6455), sans I/O: the
// opening handshake, frame decoding, automatic pongs and the closing
// handshake. The Asio transport moves bytes and nothing else: what to write
// comes out of here, MQTT bytes received come out of here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "transport/websocket/frame_decoder.hpp"
#include "transport/websocket/frame_encoder.hpp"
#include "transport/websocket/handshake.hpp"

namespace tern::websocket {

/// Fills its argument with unpredictable bytes: the handshake nonce (4.1) and
/// every frame's masking key (5.3, 10.3). Called on the caller's thread.
using random_source = std::function<void(std::span<std::byte>)>;

/// Limits of a `client_protocol`.
struct client_limits {
  std::size_t max_frame_payload = default_max_frame_payload;
  std::size_t max_response_header = default_max_response_header;
};

/// One WebSocket client connection carrying MQTT, from the upgrade request to
/// the closing handshake.
///
/// Every entry point that may produce bytes for the server appends them to the
/// caller's `to_send` vector (reuse it, and a warm connection does not
/// allocate): the upgrade request, binary frames, pongs, close frames. The
/// transport writes them in order. MQTT bytes received are appended to the
/// caller's `mqtt_in` vector, ready for `codec::stream_decoder::feed`; frame
/// boundaries are not MQTT packet boundaries [MQTT-6.0.0-2].
///
/// Life cycle: `idle` → `start` → `handshaking` → (101 received) `open` →
/// `close` → `closing` → (server's close received) `closed`. A close from the
/// server while `open` is echoed (5.5.1) and leads to `closed` directly. Any
/// error leads to `closed`; after a protocol error in a frame, a close frame
/// with 1002, 1003 or 1009 is appended to `to_send` first ("Fail the WebSocket
/// Connection", 7.1.7). Once `closed`, the transport writes what is left in
/// `to_send` and closes the TCP connection (7.1.1).
///
/// **Thread safety:** distinct objects safe, shared objects unsafe; use one strand.
class client_protocol {
 public:
  enum class state : std::uint8_t { idle, handshaking, open, closing, closed };

  explicit client_protocol(random_source random, client_limits limits = {});

  /// Draws a key and appends the upgrade request for `target` to `to_send`
  /// (see `build_upgrade_request`). `idle` → `handshaking`.
  /// Errors: `errc::invalid_argument` (bad target, or not `idle`).
  std::error_code start(const upgrade_target& target, std::vector<std::byte>& to_send);

  /// Takes received bytes: the handshake response, then frames (both may
  /// come in one read). Appends data-frame payloads to `mqtt_in`, and pongs
  /// (for pings) and close frames to `to_send`.
  ///
  /// Errors:
  /// - the handshake errors of `response_parser` (the parser stays readable
  ///   through `handshake()`, e.g. for the status of a refusal);
  /// - the frame errors of `frame_decoder`;
  /// - `websocket_errc::closed`: the server's close frame arrived (its code is
  ///   in `peer_close_code()`), or the connection was already closed;
  /// - `errc::not_connected`: `start` was not called.
  /// Bytes after a close frame or an error are ignored.
  std::error_code on_bytes(bytes_view in, std::vector<std::byte>& mqtt_in, std::vector<std::byte>& to_send);

  /// Appends one binary frame holding `parts` in order (an MQTT packet's head
  /// and payload, or several packets) [MQTT-6.0.0-1].
  /// Errors: `errc::not_connected` before the handshake is complete,
  /// `websocket_errc::closed` once a close frame was sent or received.
  std::error_code send(std::span<const bytes_view> parts, std::vector<std::byte>& to_send);
  std::error_code send(bytes_view mqtt, std::vector<std::byte>& to_send) {
    return send(std::span<const bytes_view>(&mqtt, 1), to_send);
  }

  /// Appends a ping (5.5.2). Errors: as `send`, and `errc::invalid_argument`
  /// for a payload over 125 bytes.
  std::error_code ping(bytes_view payload, std::vector<std::byte>& to_send);

  /// Starts the closing handshake (7.1.2): appends a close frame; `open` →
  /// `closing`. `code` 0 sends no status code. Receive until `on_bytes`
  /// answers `websocket_errc::closed`, then close the TCP connection.
  /// Errors: as `send`, and `errc::invalid_argument` for a code that may not
  /// be sent or a reason over 123 bytes.
  std::error_code close(std::uint16_t code, std::string_view reason, std::vector<std::byte>& to_send);

  state current_state() const noexcept { return state_; }
  /// The status code of the server's close frame; none before one arrived or
  /// when it had an empty payload.
  std::optional<std::uint16_t> peer_close_code() const noexcept { return peer_code_; }
  /// The reason of the server's close frame (UTF-8, at most 123 bytes).
  std::string_view peer_close_reason() const noexcept { return {peer_reason_.data(), peer_reason_size_}; }
  /// The handshake response: `status()`, `reason()` and `header(name)`.
  const response_parser& handshake() const noexcept { return parser_; }
  /// Back to `idle` for a new connection; keeps the buffers' capacity.
  void reset() noexcept;

 private:
  mask_key next_key();
  std::error_code on_frames(bytes_view in, std::vector<std::byte>& mqtt_in, std::vector<std::byte>& to_send);
  std::error_code on_frame(const frame& f, std::vector<std::byte>& mqtt_in, std::vector<std::byte>& to_send);
  std::error_code fail(std::error_code ec, std::vector<std::byte>& to_send);

  random_source random_;
  response_parser parser_;
  frame_decoder decoder_;
  state state_ = state::idle;
  std::vector<std::byte> in_;  // the start of a frame that straddles reads
  std::optional<std::uint16_t> peer_code_;
  std::array<char, max_close_reason> peer_reason_{};
  std::size_t peer_reason_size_ = 0;
};

}  // namespace tern::websocket
