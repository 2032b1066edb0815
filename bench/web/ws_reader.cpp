// The Beast binding's WebSocket reader: `?topic=` subscribes the socket at
// open; each frame holds one JSON event per line, scanned for payloads and
// dropped notices. The socket counts as open at its first frame (the
// bridge's {"type":"ready"}), unless that frame is an error: the server may
// accept the upgrade and then refuse the socket (too many open, say).

#include "ws_opening.hpp"

namespace tern::web_bench {

void open_ws(net::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
             std::size_t i, opened_fn opened) {
  ws_opening opening(std::move(opened));
  auto h = opening.handlers(tally, i, "closed before its first frame");
  h.on_frame = [&tally, i, opening](std::string_view frame) {
    if (opening.pending()) {
      if (frame.find(R"("type":"error")") != std::string_view::npos) {
        tally.on_refused(std::string(frame.substr(0, 160)));
        return opening.finish();
      }
      tally.on_open(i);
      opening.finish();
    }
    tally.scan(i, frame);
  };
  std::make_shared<ws_link>(ioc, std::move(h))
      ->start(server, at.host + ":" + std::to_string(at.port), "/mqtt/ws?topic=" + url_encode(at.filter));
}

}  // namespace tern::web_bench
