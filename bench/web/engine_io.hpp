#pragma once
// Socket.IO 5 over Engine.IO 4 (python-socketio 5.7 and python-engineio 4.3
// in Debian 12) on a WebSocket, the little of it a client needs:
//   server "0{...}" (open)      -> client "40" (connect to namespace "/")
//   server "40{"sid":..}"       connected;  "44{...}": refused
//   server "2" (ping)           -> client "3" (pong)
//   "42[name,data]"             an event;  "42<id>[...]" one that wants an ack
//   "43<id>[...]"               the ack of the event with that id
// The server's "1" closes.

#include <string_view>

namespace tern::web_bench {

inline constexpr std::string_view engine_io_path = "/socket.io/?EIO=4&transport=websocket";

enum class sio_frame { open, connected, refused, ping, event, ack, close, other };

inline sio_frame classify(std::string_view f) {
  if (f.empty()) return sio_frame::other;
  switch (f[0]) {
    case '0': return sio_frame::open;
    case '1': return sio_frame::close;
    case '2': return f.size() == 1 ? sio_frame::ping : sio_frame::other;
    case '4':
      if (f.size() < 2) return sio_frame::other;
      switch (f[1]) {
        case '0': return sio_frame::connected;
        case '4': return sio_frame::refused;
        case '2': return sio_frame::event;
        case '3': return sio_frame::ack;
        default: return sio_frame::other;
      }
    default: return sio_frame::other;
  }
}

}  // namespace tern::web_bench
