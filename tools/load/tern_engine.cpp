#include "tern_engine.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tern/client_options.hpp"
#include "tern/error.hpp"

namespace tern::load {
namespace {

class tern_engine final : public load_engine {
 public:
  tern_engine(const load_options& o, load_stats& s)
      : o_(o), s_(s), ctx_(static_cast<int>(o.threads)), work_(asio::make_work_guard(ctx_)), clients_(o.clients), topics_(o.clients) {
    for (unsigned t = 0; t < o.threads; ++t) threads_.emplace_back([this] { ctx_.run(); });
  }
  ~tern_engine() override { close_all(); }

  const char* name() const noexcept override { return "tern"; }

  void open(std::size_t i) override {
    auto index = o_.first_index + i;
    client_options c;
    c.brokers = {o_.host + ":" + std::to_string(o_.port)};
    c.connect.client_id = expand(o_.client_id, index);
    if (!o_.user.empty()) c.connect.user_name = expand(o_.user, index);
    if (!o_.password.empty()) {
      auto p = expand(o_.password, index);
      c.connect.password = std::vector<std::byte>(reinterpret_cast<const std::byte*>(p.data()),
                                                  reinterpret_cast<const std::byte*>(p.data()) + p.size());
    }
    c.connect.keep_alive = static_cast<std::uint16_t>(o_.keepalive);
    c.stop_linger = std::chrono::seconds(2);
    topics_[i] = expand(o_.topic, index);
    auto& slot = clients_[i];
    slot.c = std::make_unique<client>(ctx_, std::move(c));
    auto* st = &slot;
    slot.c->on_connect([this, st, i](bool, int rc) {
      if (rc != 0) {
        if (!st->ever_connected && !st->failed) {
          st->failed = true;
          s_.first_failure("refused: " + make_error_code(static_cast<connack_error>(rc)).message());
        }
        return;
      }
      st->up = true;
      if (st->ever_connected) {
        s_.reconnects.fetch_add(1, std::memory_order_relaxed);
      } else {
        st->ever_connected = true;
        s_.first_connack();
      }
      if (o_.mode == load_mode::sub) {
        if (st->subscribed) return;  // renewed by the client itself after a reconnect
        st->subscribed = true;
        st->c->subscribe(subscription_filter(o_, topics_[i]), static_cast<qos>(o_.qos));
      }
    });
    slot.c->on_disconnect([this, st](std::error_code ec) {
      if (st->ever_connected) {
        if (st->up) s_.disconnects.fetch_add(1, std::memory_order_relaxed);
      } else if (!st->failed) {
        st->failed = true;
        std::string detail = st->c->last_error_detail();
        s_.first_failure(detail.empty() ? ec.message() : detail);
      }
      st->up = false;
    });
    slot.c->on_message([this](const message_received& m) { s_.delivered(m.payload); });
    slot.c->on_publish([this](message_id) { s_.completed.fetch_add(1, std::memory_order_relaxed); });
    slot.c->connect();
  }

  void publish(std::size_t i, std::span<const std::byte> payload) override {
    auto& c = *clients_[i].c;
    auto r = c.publish(topics_[i], payload_ref(payload),
                       static_cast<qos>(o_.qos), false,
                       [this](std::error_code ec, message_id) {
                         if (ec) s_.publish_errors.fetch_add(1, std::memory_order_relaxed);
                       });
    if (!r) s_.publish_errors.fetch_add(1, std::memory_order_relaxed);
  }

  void close_all() override {
    if (closed_) return;
    closed_ = true;
    // Every client's stop at once, each asynchronous on the shared executor;
    // the io_context's run() returns once the last one is over.
    for (auto& slot : clients_)
      if (slot.c) slot.c->stop(std::chrono::seconds(2), [] {});
    work_.reset();
    for (auto& t : threads_) t.join();
    clients_.clear();
  }

 private:
  struct slot {
    std::unique_ptr<client> c;
    // On the client's strand only.
    bool ever_connected = false;
    bool failed = false;
    bool subscribed = false;
    bool up = false;
  };
  const load_options& o_;
  load_stats& s_;
  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<slot> clients_;
  std::vector<std::string> topics_;
  std::vector<std::thread> threads_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<load_engine> make_tern_engine(const load_options& o, load_stats& s) {
  return std::make_unique<tern_engine>(o, s);
}

}  // namespace tern::load
