// Publish requests over the Beast binding's WebSocket: one
// {"type":"publish","id":K,...} frame at a time, the next when the reply
// with id K came (status 200: done; another: failed, with its "error").

#include <cctype>

#include "stamp.hpp"
#include "up_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {
namespace {

class ws_poster : public up_client, public std::enable_shared_from_this<ws_poster> {
 public:
  ws_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally) : ioc_(ioc), spec_(spec), tally_(tally) {}

  void connect(std::function<void(bool)> done) override {
    ws_link::handlers h;
    std::weak_ptr<ws_poster> weak = shared_from_this();
    h.on_handshake = [this, weak, done](int status, const std::string& error) {
      if (!weak.lock()) return;
      if (status == 101) tally_.on_connected();
      else tally_.on_error(status ? "HTTP " + std::to_string(status) : error);
      done(status == 101);
    };
    h.on_frame = [this, weak](std::string_view f) {
      if (auto self = weak.lock()) on_frame(f);
    };
    h.on_closed = [this, weak](const std::string& error) {
      if (weak.lock() && mono_ns() < until_ns_) tally_.on_error("closed: " + error);
    };
    link_ = std::make_shared<ws_link>(ioc_, std::move(h));
    link_->start(tcp_endpoint(net::ip::make_address(spec_.at.host), static_cast<unsigned short>(spec_.at.port)),
                 spec_.at.host + ":" + std::to_string(spec_.at.port), "/mqtt/ws");
  }

  void run(std::int64_t until_ns) override {
    link_->post([self = shared_from_this(), until_ns] {
      self->until_ns_ = until_ns;
      self->next();
    });
  }

 private:
  void next() {
    if (mono_ns() >= until_ns_) return;
    ++id_;
    started_ns_ = mono_ns();
    link_->send(R"({"type":"publish","id":)" + std::to_string(id_) + R"(,"topic":")" + spec_.topic +
                R"(","message":")" + spec_.message + R"(","qos":0,"retain":false})");
  }

  void on_frame(std::string_view frame) {
    std::string want = "\"id\":" + std::to_string(id_);
    while (!frame.empty()) {
      auto nl = frame.find('\n');
      auto line = frame.substr(0, nl);
      frame = nl == std::string_view::npos ? std::string_view{} : frame.substr(nl + 1);
      if (line.find(R"("type":"reply")") == std::string_view::npos) continue;
      auto at = line.find(want);
      if (at == std::string_view::npos || std::isdigit(static_cast<unsigned char>(line[at + want.size()]))) continue;
      bool ok = line.find(R"("status":200)") != std::string_view::npos;
      tally_.on_answer(mono_ns() - started_ns_, ok, line.substr(0, 200));
      next();
    }
  }

  net::io_context& ioc_;
  up_spec spec_;
  up_tally& tally_;
  std::shared_ptr<ws_link> link_;
  std::int64_t until_ns_ = 0, started_ns_ = 0;
  std::uint64_t id_ = 0;
};

}  // namespace

std::shared_ptr<up_client> make_ws_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally) {
  return std::make_shared<ws_poster>(ioc, spec, tally);
}

}  // namespace tern::web_bench
