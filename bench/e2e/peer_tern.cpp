// tern, used as docs/client.md describes: one client per connection, each
// with its own I/O thread; completions through on_publish.

#include <asio/use_future.hpp>
#include <memory>

#include "peers.hpp"
#include "tern/client.hpp"

namespace tern::e2e {
namespace {

class tern_peer final : public peer {
 public:
  std::string start(const settings& s, tracker& t, window_gate& g) override {
    qos_ = static_cast<tern::qos>(s.qos);
    topic_ = s.topic;
    client_options o;
    o.brokers = {"mqtt://" + s.host + ":" + std::to_string(s.port)};
    o.reconnect.enabled = false;
    o.session.max_inflight = s.window ? s.window : 65535;
    o.session.max_queued = 0;
    sub_ = std::make_unique<client>(o);
    pub_ = std::make_unique<client>(o);
    sub_->on_message([&t](const received_message& m) { t.on_message(m.payload.data(), m.payload.size()); });
    pub_->on_publish([&g](message_id) { g.release(); });
    sub_->start();
    pub_->start();
    sub_->connect();
    pub_->connect();
    auto granted = sub_->async_subscribe({{topic_, qos_}}, asio::use_future);
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
  std::unique_ptr<client> sub_, pub_;
  tern::qos qos_ = qos::at_most_once;
  std::string topic_;
};

}  // namespace

std::unique_ptr<peer> make_tern_peer() { return std::make_unique<tern_peer>(); }

}  // namespace tern::e2e
