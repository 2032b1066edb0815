// The Beast binding's WebSocket reader: `?topic=` subscribes the socket at
// open; each frame holds one JSON event per line, scanned for payloads and
// dropped notices.

#include "reader_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {

void open_ws(net::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
             std::size_t i, opened_fn opened) {
  auto pending = std::make_shared<opened_fn>(std::move(opened));
  ws_link::handlers h;
  h.on_handshake = [&tally, i, pending](int status, const std::string& error) {
    if (status == 101) tally.on_open(i);
    else if (status) tally.on_refused("HTTP " + std::to_string(status));
    else tally.on_failed(error);
    (*pending)();
  };
  h.on_frame = [&tally, i](std::string_view frame) { tally.scan(i, frame); };
  h.on_closed = [&tally, i](const std::string&) { tally.on_lost(i); };
  std::make_shared<ws_link>(ioc, std::move(h))
      ->start(server, at.host + ":" + std::to_string(at.port), "/mqtt/ws?topic=" + url_encode(at.filter));
}

}  // namespace tern::web_bench
