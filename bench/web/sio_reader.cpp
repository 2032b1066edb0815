// The Socket.IO reader: one Engine.IO 4 WebSocket per client, answering
// pings, scanning each mqtt_message event for its payload.

#include "engine_io.hpp"
#include "reader_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {

void open_sio(net::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
              std::size_t i, opened_fn opened) {
  auto pending = std::make_shared<opened_fn>(std::move(opened));
  auto finish = [pending] {
    if (*pending) std::exchange(*pending, nullptr)();
  };
  auto link = std::make_shared<std::weak_ptr<ws_link>>();
  ws_link::handlers h;
  h.on_handshake = [&tally, finish](int status, const std::string& error) {
    if (status == 101) return;  // open once the namespace is joined
    if (status) tally.on_refused("HTTP " + std::to_string(status));
    else tally.on_failed(error);
    finish();
  };
  h.on_frame = [&tally, i, finish, link](std::string_view f) {
    switch (classify(f)) {
      case sio_frame::event: tally.scan(i, f); break;
      case sio_frame::ping:
        if (auto l = link->lock()) l->send("3");
        break;
      case sio_frame::open:
        if (auto l = link->lock()) l->send("40");
        break;
      case sio_frame::connected:
        tally.on_open(i);
        finish();
        break;
      case sio_frame::refused:
        tally.on_refused(std::string(f.substr(2, 120)));
        finish();
        break;
      default: break;
    }
  };
  h.on_closed = [&tally, i, pending, finish](const std::string& error) {
    tally.on_lost(i);
    if (*pending) tally.on_failed("closed while opening: " + error);
    finish();
  };
  auto l = std::make_shared<ws_link>(ioc, std::move(h));
  *link = l;
  l->start(server, at.host + ":" + std::to_string(at.port), std::string(engine_io_path));
}

}  // namespace tern::web_bench
