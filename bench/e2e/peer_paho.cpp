// Eclipse Paho C as its documentation recommends for asynchronous use:
// MQTTAsync, one client per connection, success callbacks per request. With
// `persist`, the publisher uses Paho's default file persistence
// (MQTTCLIENT_PERSISTENCE_DEFAULT, one file per message) in the store dir.

#include <MQTTAsync.h>

#include <future>
#include <mutex>

#include "peers.hpp"

namespace tern::e2e {
namespace {

class paho_peer final : public peer {
 public:
  explicit paho_peer(bool persist) : persist_(persist) {}
  ~paho_peer() override { stop(); }

  std::string start(const settings& s, tracker& t, window_gate& g) override {
    qos_ = s.qos;
    topic_ = s.topic;
    tracker_ = &t;
    gate_ = &g;
    std::string uri = "tcp://" + s.host + ":" + std::to_string(s.port);
    for (auto* c : {&sub_, &pub_}) {
      static int n = 0;
      std::string id = "paho-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
      bool persisted = persist_ && c == &pub_;
      int kind = persisted ? MQTTCLIENT_PERSISTENCE_DEFAULT : MQTTCLIENT_PERSISTENCE_NONE;
      void* where = persisted ? const_cast<char*>(s.store_dir.c_str()) : nullptr;
      if (MQTTAsync_create(c, uri.c_str(), id.c_str(), kind, where) != MQTTASYNC_SUCCESS)
        return "MQTTAsync_create failed";
    }
    MQTTAsync_setCallbacks(sub_, this, nullptr, &paho_peer::arrived, nullptr);
    auto acks = connacks_.get_future();
    for (auto c : {sub_, pub_}) {
      MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
      o.keepAliveInterval = 60;
      o.cleansession = 1;
      o.maxInflight = s.window ? static_cast<int>(s.window) : 65535;
      o.context = this;
      o.onSuccess = [](void* ctx, MQTTAsync_successData*) { static_cast<paho_peer*>(ctx)->connected(true); };
      o.onFailure = [](void* ctx, MQTTAsync_failureData*) { static_cast<paho_peer*>(ctx)->connected(false); };
      if (MQTTAsync_connect(c, &o) != MQTTASYNC_SUCCESS) return "connect failed";
    }
    if (acks.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !acks.get()) return "no CONNACK";
    auto granted = suback_.get_future();
    MQTTAsync_responseOptions r = MQTTAsync_responseOptions_initializer;
    r.context = this;
    r.onSuccess = [](void* ctx, MQTTAsync_successData* d) {
      static_cast<paho_peer*>(ctx)->suback_.set_value(d->alt.qos != 0x80);
    };
    r.onFailure = [](void* ctx, MQTTAsync_failureData*) { static_cast<paho_peer*>(ctx)->suback_.set_value(false); };
    MQTTAsync_subscribe(sub_, topic_.c_str(), qos_, &r);
    if (granted.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !granted.get())
      return "subscription refused";
    return {};
  }

  bool publish(const std::byte* payload, std::size_t n) override {
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = const_cast<std::byte*>(payload);
    m.payloadlen = static_cast<int>(n);
    m.qos = qos_;
    MQTTAsync_responseOptions r = MQTTAsync_responseOptions_initializer;
    r.context = this;
    r.onSuccess = [](void* ctx, MQTTAsync_successData*) { static_cast<paho_peer*>(ctx)->gate_->release(); };
    r.onFailure = [](void* ctx, MQTTAsync_failureData*) { static_cast<paho_peer*>(ctx)->gate_->fail(); };
    return MQTTAsync_sendMessage(pub_, topic_.c_str(), &m, &r) == MQTTASYNC_SUCCESS;
  }

  void stop() override {
    for (auto* c : {&pub_, &sub_}) {
      if (!*c) continue;
      MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
      d.timeout = 1000;
      MQTTAsync_disconnect(*c, &d);
      MQTTAsync_destroy(c);
      *c = nullptr;
    }
  }

 private:
  static int arrived(void* ctx, char* topic, int, MQTTAsync_message* m) {
    static_cast<paho_peer*>(ctx)->tracker_->on_message(m->payload, static_cast<std::size_t>(m->payloadlen));
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(topic);
    return 1;
  }
  void connected(bool ok) {
    std::lock_guard lock(m_);
    ok_ = ok_ && ok;
    if (++seen_ == 2) connacks_.set_value(ok_);
  }

  bool persist_ = false;
  MQTTAsync sub_ = nullptr;
  MQTTAsync pub_ = nullptr;
  int qos_ = 0;
  std::string topic_;
  tracker* tracker_ = nullptr;
  window_gate* gate_ = nullptr;
  std::mutex m_;
  int seen_ = 0;
  bool ok_ = true;
  std::promise<bool> connacks_;
  std::promise<bool> suback_;
};

}  // namespace

std::unique_ptr<peer> make_paho_peer(bool persist) { return std::make_unique<paho_peer>(persist); }

}  // namespace tern::e2e
