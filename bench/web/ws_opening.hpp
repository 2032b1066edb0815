#pragma once
// What the WebSocket readers share: an opening that ends once (open,
// refused or failed), and the handshake and close handlers that report it.

#include <memory>
#include <string>
#include <utility>

#include "reader_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {

class ws_opening {
 public:
  explicit ws_opening(opened_fn opened) : pending_(std::make_shared<opened_fn>(std::move(opened))) {}

  /// Whether the opening has not ended yet.
  bool pending() const { return static_cast<bool>(*pending_); }
  /// Ends the opening; later calls do nothing.
  void finish() const {
    if (*pending_) std::exchange(*pending_, nullptr)();
  }

  /// Handlers of client `i` with `on_handshake` (a refusal or failure ends
  /// the opening; an upgrade leaves it to the reader) and `on_closed` (a
  /// lost client; before its opening ended, a failure `closed_early`) set.
  ws_link::handlers handlers(down_tally& tally, std::size_t i, std::string closed_early) const {
    ws_link::handlers h;
    h.on_handshake = [&tally, self = *this](int status, const std::string& error) {
      if (status == 101) return;
      if (status) tally.on_refused("HTTP " + std::to_string(status));
      else tally.on_failed(error);
      self.finish();
    };
    h.on_closed = [&tally, i, self = *this, closed_early = std::move(closed_early)](const std::string& error) {
      tally.on_lost(i);
      if (self.pending()) tally.on_failed(closed_early + ": " + error);
      self.finish();
    };
    return h;
  }

 private:
  std::shared_ptr<opened_fn> pending_;
};

}  // namespace tern::web_bench
