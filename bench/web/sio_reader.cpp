// The Socket.IO reader: one Engine.IO 4 WebSocket per client, answering
// pings, scanning each mqtt_message event for its payload.

#include "engine_io.hpp"
#include "ws_opening.hpp"

namespace tern::web_bench {

void open_sio(net::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
              std::size_t i, opened_fn opened) {
  ws_opening opening(std::move(opened));  // open once the namespace is joined
  auto link = std::make_shared<std::weak_ptr<ws_link>>();
  auto h = opening.handlers(tally, i, "closed while opening");
  h.on_frame = [&tally, i, opening, link](std::string_view f) {
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
        opening.finish();
        break;
      case sio_frame::refused:
        tally.on_refused(std::string(f.substr(2, 120)));
        opening.finish();
        break;
      default: break;
    }
  };
  auto l = std::make_shared<ws_link>(ioc, std::move(h));
  *link = l;
  l->start(server, at.host + ":" + std::to_string(at.port), std::string(engine_io_path));
}

}  // namespace tern::web_bench
