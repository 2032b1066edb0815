// The Beast binding's WebSocket reader: `?topic=` subscribes the socket at
// open; each frame holds one JSON event per line, scanned for payloads and
// dropped notices. The socket counts as open at its first frame (the
// bridge's {"type":"ready"}), unless that frame is an error: the server may
// accept the upgrade and then refuse the socket (too many open, say).

#include "reader_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {

void open_ws(net::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
             std::size_t i, opened_fn opened) {
  auto pending = std::make_shared<opened_fn>(std::move(opened));
  auto finish = [pending] {
    if (*pending) std::exchange(*pending, nullptr)();
  };
  ws_link::handlers h;
  h.on_handshake = [&tally, finish](int status, const std::string& error) {
    if (status == 101) return;
    if (status) tally.on_refused("HTTP " + std::to_string(status));
    else tally.on_failed(error);
    finish();
  };
  h.on_frame = [&tally, i, pending, finish](std::string_view frame) {
    if (*pending) {
      if (frame.find(R"("type":"error")") != std::string_view::npos) {
        tally.on_refused(std::string(frame.substr(0, 160)));
        return finish();
      }
      tally.on_open(i);
      finish();
    }
    tally.scan(i, frame);
  };
  h.on_closed = [&tally, i, pending, finish](const std::string& error) {
    tally.on_lost(i);
    if (*pending) tally.on_failed("closed before its first frame: " + error);
    finish();
  };
  std::make_shared<ws_link>(ioc, std::move(h))
      ->start(server, at.host + ":" + std::to_string(at.port), "/mqtt/ws?topic=" + url_encode(at.filter));
}

}  // namespace tern::web_bench
