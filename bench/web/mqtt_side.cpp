#include "mqtt_side.hpp"

#include <asio/use_future.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>

#include "tern/client_options.hpp"
#include "tern/client_async.hpp"

namespace tern::web_bench {

struct mqtt_side::impl {
  std::unique_ptr<client> pub, sub;
  std::promise<void> pub_up, sub_up;
  std::atomic<std::uint64_t> arrivals{0};
};

namespace {
client_options options_for(const std::string& host, int port) {
  client_options o;
  o.brokers = {"mqtt://" + host + ":" + std::to_string(port)};
  o.reconnect.enabled = false;
  o.session.max_queued = 0;
  return o;
}
}  // namespace

mqtt_side::mqtt_side(const std::string& host, int port) : impl_(std::make_unique<impl>()) {
  auto& s = *impl_;
  s.pub = std::make_unique<client>(options_for(host, port));
  s.sub = std::make_unique<client>(options_for(host, port));
  // Only the first CONNACK matters: a later one (there is none, reconnects are off) would set the promise twice.
  s.pub->on_connect([&s, once = std::make_shared<std::once_flag>()](bool, int rc) {
    if (rc == 0) std::call_once(*once, [&s] { s.pub_up.set_value(); });
  });
  s.sub->on_connect([&s, once = std::make_shared<std::once_flag>()](bool, int rc) {
    if (rc == 0) std::call_once(*once, [&s] { s.sub_up.set_value(); });
  });
  s.sub->on_message([&s](const message_received&) { s.arrivals.fetch_add(1, std::memory_order_relaxed); });
  s.pub->connect();
  s.sub->connect();
}

mqtt_side::~mqtt_side() {
  impl_->pub->stop();
  impl_->sub->stop();
}

bool mqtt_side::wait_connected(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  return impl_->pub_up.get_future().wait_until(until) == std::future_status::ready &&
         impl_->sub_up.get_future().wait_until(until) == std::future_status::ready;
}

bool mqtt_side::publish(const std::string& topic, const std::string& payload) {
  return impl_->pub->publish(topic, payload, qos::at_most_once, false).has_value();
}

bool mqtt_side::count_arrivals(const std::string& filter, double seconds) {
  auto granted = tern::async_subscribe(*impl_->sub, {{filter, qos::at_most_once}}, asio::use_future);
  if (granted.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready) return false;
  try {
    auto codes = granted.get();
    return !codes.empty() && codes[0] != suback_failure;
  } catch (const std::exception&) {
    return false;
  }
}

std::uint64_t mqtt_side::arrivals() const { return impl_->arrivals.load(std::memory_order_relaxed); }

}  // namespace tern::web_bench
