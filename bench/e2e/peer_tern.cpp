// tern, used as docs/client.md describes: one client per connection, each
// with its own I/O thread; completions through on_publish. With a store, the
// publisher keeps its messages in it (docs/client.md, "Messages that survive
// a restart").

#include <unistd.h>

#include <asio/use_future.hpp>
#include <memory>

#include "peers.hpp"
#include "tern/client_options.hpp"
#include "tern/store.hpp"
#include "tern/client_async.hpp"

namespace tern::e2e {
namespace {

class tern_peer final : public peer {
 public:
  explicit tern_peer(std::string store) : store_(std::move(store)) {}

  std::string start(const settings& s, tracker& t, window_gate& g) override {
    qos_ = static_cast<tern::qos>(s.qos);
    topic_ = s.topic;
    client_options o;
    o.brokers = {"mqtt://" + s.host + ":" + std::to_string(s.port)};
    o.reconnect.enabled = false;
    o.session.max_inflight = s.window ? s.window : 65535;
    o.session.max_queued = 0;
    auto po = o;
    o.read_interval = std::chrono::microseconds(s.read_interval_us);
    o.adaptive_read_interval = s.read_interval_adaptive;
    sub_ = std::make_unique<client>(o);
    if (!store_.empty()) {
      po.connect.client_id = "tern-bench-pub-" + std::to_string(::getpid());
      if (store_ == "memory") {
        po.store = std::make_shared<memory_store>();
      } else {
        file_store_options fo;
        fo.sync = store_ == "every" ? sync_policy::every : store_ == "none" ? sync_policy::none : sync_policy::batch;
        std::string detail;
        auto fs = file_store::open(s.store_dir, po.connect.client_id, fo, &detail);
        if (!fs) return detail;
        po.store = std::move(*fs);
      }
    }
    pub_ = std::make_unique<client>(po);
    sub_->on_message([&t](const message_received& m) { t.on_message(m.payload.data(), m.payload.size()); });
    pub_->on_publish([&g](message_id) { g.release(); });
    sub_->start();
    pub_->start();
    sub_->connect();
    pub_->connect();
    auto granted = tern::async_subscribe(*sub_, {{topic_, qos_}}, asio::use_future);
    if (granted.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return "no SUBACK";
    try {
      auto codes = granted.get();
      if (codes.empty() || codes[0] == suback_failure) return "subscription refused";
    } catch (const std::exception& e) {
      return e.what();
    }
    return {};
  }

  bool publish(const std::byte* payload, std::size_t n) override {
    return pub_->publish(topic_, std::vector<std::byte>(payload, payload + n), qos_, false).has_value();
  }

  void stop() override {
    if (pub_) pub_->stop();
    if (sub_) sub_->stop();
  }

 private:
  std::string store_;
  std::unique_ptr<client> sub_, pub_;
  tern::qos qos_ = qos::at_most_once;
  std::string topic_;
};

}  // namespace

std::unique_ptr<peer> make_tern_peer(const std::string& store) { return std::make_unique<tern_peer>(store); }

}  // namespace tern::e2e
