#include "tern/transport_error.hpp"

#include <string>

namespace tern {
namespace {

class websocket_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tern.websocket"; }
  std::string message(int ev) const override {
    switch (static_cast<websocket_errc>(ev)) {
    case websocket_errc::handshake_failed: return "WebSocket handshake failed: the server did not answer 101 Switching Protocols";
    case websocket_errc::bad_response: return "WebSocket handshake failed: the server's response is not valid HTTP/1.1";
    case websocket_errc::header_too_large: return "WebSocket handshake failed: the server's response header is too large";
    case websocket_errc::bad_upgrade:
      return "WebSocket handshake failed: the response lacks 'Upgrade: websocket' or 'Connection: Upgrade'";
    case websocket_errc::bad_accept: return "WebSocket handshake failed: Sec-WebSocket-Accept is missing or wrong";
    case websocket_errc::unexpected_extension:
      return "WebSocket handshake failed: the server chose an extension the client did not offer";
    case websocket_errc::no_mqtt_subprotocol:
      return "WebSocket handshake failed: the server did not choose the 'mqtt' subprotocol";
    case websocket_errc::text_frame: return "WebSocket protocol error: a text frame (MQTT needs binary frames)";
    case websocket_errc::masked_server_frame: return "WebSocket protocol error: the server sent a masked frame";
    case websocket_errc::reserved_bits: return "WebSocket protocol error: reserved bits RSV1-3 set in a frame";
    case websocket_errc::bad_opcode: return "WebSocket protocol error: a frame with a reserved opcode";
    case websocket_errc::bad_control_frame:
      return "WebSocket protocol error: a control frame is fragmented or longer than 125 bytes";
    case websocket_errc::bad_continuation:
      return "WebSocket protocol error: a continuation frame without a message, or a new message inside one";
    case websocket_errc::bad_length:
      return "WebSocket protocol error: a frame length with the top bit set or not in its shortest form";
    case websocket_errc::frame_too_large: return "WebSocket frame payload is larger than the maximum frame size";
    case websocket_errc::bad_close_frame:
      return "WebSocket protocol error: a close frame with a 1-byte payload, an invalid code or a non-UTF-8 reason";
    case websocket_errc::closed: return "the WebSocket connection is closed";
    }
    return "unknown WebSocket error";
  }
};

}  // namespace

const std::error_category& websocket_category() noexcept {
  static const websocket_category_impl c;
  return c;
}

}  // namespace tern
