// Publish requests as Socket.IO events with acks, the Flask-SocketIO
// example's `publish` event (its argument a JSON string, as the example's
// page sends it): 42K["publish","{...}"], the next one when 43K[...] came.

#include <charconv>

#include "engine_io.hpp"
#include "stamp.hpp"
#include "up_kinds.hpp"
#include "ws_link.hpp"

namespace tern::web_bench {
namespace {

class sio_poster : public up_client, public std::enable_shared_from_this<sio_poster> {
 public:
  sio_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally) : ioc_(ioc), spec_(spec), tally_(tally) {
    // The event's argument is a JSON string holding a JSON object: escaped once.
    data_ = R"(["publish","{\"topic\":\")" + spec.topic + R"(\",\"message\":\")" + spec.message + R"(\"}"])";
  }

  void connect(std::function<void(bool)> done) override {
    done_ = std::move(done);
    ws_link::handlers h;
    std::weak_ptr<sio_poster> weak = shared_from_this();
    h.on_handshake = [this, weak](int status, const std::string& error) {
      if (!weak.lock() || status == 101) return;
      tally_.on_error(status ? "HTTP " + std::to_string(status) : error);
      finish_connect(false);
    };
    h.on_frame = [this, weak](std::string_view f) {
      if (auto self = weak.lock()) on_frame(f);
    };
    h.on_closed = [this, weak](const std::string& error) {
      if (!weak.lock()) return;
      if (mono_ns() < until_ns_ || done_) tally_.on_error("closed: " + error);
      finish_connect(false);
    };
    link_ = std::make_shared<ws_link>(ioc_, std::move(h));
    link_->start(tcp_endpoint(net::ip::make_address(spec_.at.host), static_cast<unsigned short>(spec_.at.port)),
                 spec_.at.host + ":" + std::to_string(spec_.at.port), std::string(engine_io_path));
  }

  void run(std::int64_t until_ns) override {
    link_->post([self = shared_from_this(), until_ns] {
      self->until_ns_ = until_ns;
      self->next();
    });
  }

 private:
  void finish_connect(bool ok) {
    if (!done_) return;
    if (ok) tally_.on_connected();
    std::exchange(done_, nullptr)(ok);
  }

  void next() {
    if (mono_ns() >= until_ns_) return;
    ++id_;
    started_ns_ = mono_ns();
    link_->send("42" + std::to_string(id_) + data_);
  }

  void on_frame(std::string_view f) {
    switch (classify(f)) {
      case sio_frame::open: link_->send("40"); break;
      case sio_frame::connected: finish_connect(true); break;
      case sio_frame::refused:
        tally_.on_error(f);
        finish_connect(false);
        break;
      case sio_frame::ping: link_->send("3"); break;
      case sio_frame::ack: {
        std::uint64_t id = 0;
        std::from_chars(f.data() + 2, f.data() + f.size(), id);
        if (id != id_) break;
        tally_.on_answer(mono_ns() - started_ns_, true);
        next();
        break;
      }
      default: break;
    }
  }

  net::io_context& ioc_;
  up_spec spec_;
  up_tally& tally_;
  std::string data_;
  std::function<void(bool)> done_;
  std::shared_ptr<ws_link> link_;
  std::int64_t until_ns_ = 0, started_ns_ = 0;
  std::uint64_t id_ = 0;
};

}  // namespace

std::shared_ptr<up_client> make_sio_poster(net::io_context& ioc, const up_spec& spec, up_tally& tally) {
  return std::make_shared<sio_poster>(ioc, spec, tally);
}

}  // namespace tern::web_bench
