// load-paho: tern-load's driver and flags over Eclipse Paho C's MQTTAsync,
// used as its documentation recommends for many clients: one MQTTAsync
// handle per connection, all served by the library's own send and receive
// threads (which poll() every socket: no FD_SETSIZE ceiling), no
// persistence, automatic reconnection.
//
// The handles come from MQTTAsync_create, not MQTTAsync_createWithOptions:
// without create options Paho refuses a publish while disconnected (counted
// as a publish error, as tern's engine does) and caps no queue, where the
// options' maxBufferedMessages would also cap the messages queued while
// connected.
//
// Paho calls the connected callback on every accepted connection: the first
// CONNACK (also when it follows a failed first attempt that Paho retried)
// and each automatic reconnection. So that callback counts both and
// subscribes again (a clean session loses the subscription); the connect's
// onFailure reports the first attempt's failure.

#include <MQTTAsync.h>

#include <atomic>
#include <chrono>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "load_driver.hpp"

namespace tern::load {
namespace {

class paho_engine final : public load_engine {
 public:
  paho_engine(const load_options& o, load_stats& s)
      : o_(o), s_(s), uri_("tcp://" + o.host + ":" + std::to_string(o.port)), clients_(o.clients) {}
  ~paho_engine() override { close_all(); }

  const char* name() const noexcept override { return "paho"; }

  void open(std::size_t i) override {
    auto index = o_.first_index + i;
    auto& c = clients_[i];
    c.e = this;
    c.topic = expand(o_.topic, index);
    c.filter = subscription_filter(o_, c.topic);
    auto id = expand(o_.client_id, index);
    if (int rc = MQTTAsync_create(&c.h, uri_.c_str(), id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr);
        rc != MQTTASYNC_SUCCESS) {
      c.h = nullptr;
      return failure(c, MQTTAsync_strerror(rc));
    }
    MQTTAsync_setCallbacks(c.h, &c, &paho_engine::lost, &paho_engine::arrived, nullptr);
    MQTTAsync_setConnected(c.h, &c, &paho_engine::connected);

    MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
    co.keepAliveInterval = o_.keepalive;
    co.cleansession = 1;
    co.MQTTVersion = MQTTVERSION_3_1_1;  // what the other engines speak; the default would retry refusals as 3.1
    co.automaticReconnect = 1;
    co.minRetryInterval = 1;
    co.maxRetryInterval = 60;
    // Paho copies both at connect.
    std::string user = expand(o_.user, index), password = expand(o_.password, index);
    if (!o_.user.empty()) co.username = user.c_str();
    if (!o_.password.empty()) co.password = password.c_str();
    co.context = &c;
    co.onFailure = [](void* ctx, MQTTAsync_failureData* d) {
      auto& c = *static_cast<client*>(ctx);
      if (d->message && std::string_view(d->message) == "CONNACK return code")
        c.e->failure(c, std::string("refused: ") + connack_text(d->code));
      else
        c.e->failure(c, d->message ? d->message : MQTTAsync_strerror(d->code));
    };
    if (int rc = MQTTAsync_connect(c.h, &co); rc != MQTTASYNC_SUCCESS) failure(c, MQTTAsync_strerror(rc));
  }

  void publish(std::size_t i, std::span<const std::byte> payload) override {
    auto& c = clients_[i];
    if (!c.h) return void(s_.publish_errors.fetch_add(1, std::memory_order_relaxed));
    MQTTAsync_message m = MQTTAsync_message_initializer;
    m.payload = const_cast<std::byte*>(payload.data());  // copied by sendMessage
    m.payloadlen = static_cast<int>(payload.size());
    m.qos = o_.qos;
    MQTTAsync_responseOptions r = MQTTAsync_responseOptions_initializer;
    r.context = &s_;
    r.onSuccess = [](void* ctx, MQTTAsync_successData*) {
      static_cast<load_stats*>(ctx)->completed.fetch_add(1, std::memory_order_relaxed);
    };
    r.onFailure = [](void* ctx, MQTTAsync_failureData*) {
      static_cast<load_stats*>(ctx)->publish_errors.fetch_add(1, std::memory_order_relaxed);
    };
    if (MQTTAsync_sendMessage(c.h, c.topic.c_str(), &m, &r) != MQTTASYNC_SUCCESS)
      s_.publish_errors.fetch_add(1, std::memory_order_relaxed);
  }

  void close_all() override {
    if (closed_) return;
    closed_ = true;
    // Every DISCONNECT at once, then the handles are destroyed once Paho has
    // sent them all (or a client's 2 s for its in-flight messages is over).
    for (auto& c : clients_) {
      if (!c.h) continue;
      MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
      d.timeout = 2000;
      d.context = &closing_;
      d.onSuccess = [](void* ctx, MQTTAsync_successData*) { static_cast<std::atomic<std::size_t>*>(ctx)->fetch_sub(1); };
      d.onFailure = [](void* ctx, MQTTAsync_failureData*) { static_cast<std::atomic<std::size_t>*>(ctx)->fetch_sub(1); };
      closing_.fetch_add(1);
      if (MQTTAsync_disconnect(c.h, &d) != MQTTASYNC_SUCCESS) closing_.fetch_sub(1);  // not connected
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (closing_.load() > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (auto& c : clients_)
      if (c.h) MQTTAsync_destroy(&c.h);
    clients_.clear();
  }

 private:
  struct client {
    paho_engine* e = nullptr;
    MQTTAsync h = nullptr;
    std::string topic, filter;
    // Paho's send and receive threads both call back.
    std::atomic<bool> ever_connected{false}, failed{false}, up{false};
  };

  static const char* connack_text(int rc) {
    switch (rc) {
      case 1: return "unacceptable protocol version";
      case 2: return "client identifier rejected";
      case 3: return "server unavailable";
      case 4: return "bad user name or password";
      case 5: return "not authorized";
    }
    return "unknown return code";
  }

  void failure(client& c, const std::string& why) {
    if (!c.ever_connected.load() && !c.failed.exchange(true)) s_.first_failure(why);
  }

  static void connected(void* ctx, char*) {
    auto& c = *static_cast<client*>(ctx);
    auto& e = *c.e;
    c.up = true;
    if (c.ever_connected.exchange(true))
      e.s_.reconnects.fetch_add(1, std::memory_order_relaxed);
    else
      e.s_.first_connack();
    if (e.o_.mode == load_mode::sub) MQTTAsync_subscribe(c.h, c.filter.c_str(), e.o_.qos, nullptr);
  }

  static void lost(void* ctx, char*) {
    auto& c = *static_cast<client*>(ctx);
    if (c.up.exchange(false)) c.e->s_.disconnects.fetch_add(1, std::memory_order_relaxed);
  }

  static int arrived(void* ctx, char* topic, int, MQTTAsync_message* m) {
    static_cast<client*>(ctx)->e->s_.delivered(
        std::span(static_cast<const std::byte*>(m->payload), static_cast<std::size_t>(m->payloadlen)));
    MQTTAsync_freeMessage(&m);
    MQTTAsync_free(topic);
    return 1;
  }

  const load_options& o_;
  load_stats& s_;
  std::string uri_;
  std::vector<client> clients_;
  std::atomic<std::size_t> closing_{0};
  bool closed_ = false;
};

}  // namespace
}  // namespace tern::load

int main(int argc, char** argv) {
  auto o = tern::load::parse_load_options(argc, argv, "load-paho");
  if (!o) return 2;
  tern::load::load_stats stats;
  tern::load::paho_engine engine(*o, stats);
  return tern::load::run_load(*o, engine, stats);
}
