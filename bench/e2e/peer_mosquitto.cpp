// libmosquitto as its documentation recommends: one mosquitto instance per
// connection, the threaded network loop (mosquitto_loop_start), callbacks.

#include <mosquitto.h>

#include <future>
#include <mutex>

#include "peers.hpp"

namespace tern::e2e {
namespace {

class mosquitto_peer final : public peer {
 public:
  explicit mosquitto_peer(bool nodelay) : nodelay_(nodelay) { mosquitto_lib_init(); }
  ~mosquitto_peer() override {
    stop();
    mosquitto_lib_cleanup();
  }

  std::string start(const settings& s, tracker& t, window_gate& g) override {
    qos_ = s.qos;
    topic_ = s.topic;
    tracker_ = &t;
    gate_ = &g;
    sub_ = mosquitto_new(nullptr, true, this);
    pub_ = mosquitto_new(nullptr, true, this);
    if (!sub_ || !pub_) return "mosquitto_new failed";
    for (auto* m : {sub_, pub_}) {
      if (nodelay_) mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
      mosquitto_max_inflight_messages_set(m, static_cast<unsigned>(s.window));  // 0: unlimited
      mosquitto_connect_callback_set(m, [](mosquitto*, void* obj, int rc) {
        static_cast<mosquitto_peer*>(obj)->connected(rc);
      });
    }
    mosquitto_message_callback_set(sub_, [](mosquitto*, void* obj, const mosquitto_message* m) {
      static_cast<mosquitto_peer*>(obj)->tracker_->on_message(m->payload, static_cast<std::size_t>(m->payloadlen));
    });
    mosquitto_subscribe_callback_set(sub_, [](mosquitto*, void* obj, int, int n, const int* granted) {
      static_cast<mosquitto_peer*>(obj)->suback_.set_value(n > 0 && granted[0] != 0x80);
    });
    mosquitto_publish_callback_set(pub_, [](mosquitto*, void* obj, int) {
      static_cast<mosquitto_peer*>(obj)->gate_->release();
    });
    auto acks = connacks_.get_future();
    for (auto* m : {sub_, pub_}) {
      if (mosquitto_connect(m, s.host.c_str(), s.port, 60) != MOSQ_ERR_SUCCESS) return "connect failed";
      mosquitto_loop_start(m);
    }
    if (acks.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !acks.get()) return "no CONNACK";
    auto granted = suback_.get_future();
    mosquitto_subscribe(sub_, nullptr, topic_.c_str(), qos_);
    if (granted.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !granted.get())
      return "subscription refused";
    return {};
  }

  bool publish(const std::byte* payload, std::size_t n) override {
    return mosquitto_publish(pub_, nullptr, topic_.c_str(), static_cast<int>(n), payload, qos_, false) ==
           MOSQ_ERR_SUCCESS;
  }

  void stop() override {
    for (auto** m : {&pub_, &sub_}) {
      if (!*m) continue;
      mosquitto_disconnect(*m);
      mosquitto_loop_stop(*m, false);
      mosquitto_destroy(*m);
      *m = nullptr;
    }
  }

 private:
  void connected(int rc) {
    std::lock_guard lock(m_);
    if (rc != 0) ok_ = false;
    if (++connacks_seen_ == 2) connacks_.set_value(ok_);
  }

  bool nodelay_;
  mosquitto* sub_ = nullptr;
  mosquitto* pub_ = nullptr;
  int qos_ = 0;
  std::string topic_;
  tracker* tracker_ = nullptr;
  window_gate* gate_ = nullptr;
  std::mutex m_;
  int connacks_seen_ = 0;
  bool ok_ = true;
  std::promise<bool> connacks_;
  std::promise<bool> suback_;
};

}  // namespace

std::unique_ptr<peer> make_mosquitto_peer(bool nodelay) { return std::make_unique<mosquitto_peer>(nodelay); }

}  // namespace tern::e2e
