// A program of a tern user, built against an installed tern by CMake
// (find_package(tern CONFIG), tern::tern) or by meson (dependency('tern'),
// pkg-config): it connects to the broker at argv[1] (host:port),
// subscribes, publishes a QoS 1 message to itself and waits for it.
// Exit 0 when it came back.

#include <tern/client_options.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return 2;
  }
  tern::client_options o;
  o.brokers = {std::string("mqtt://") + argv[1]};
  tern::client c(o);
  std::string topic = "tern/consumer/" + std::to_string(::getpid());
  std::mutex m;
  std::condition_variable cv;
  std::string got;
  c.on_connect([&](bool, int rc) {
    if (rc == 0) (void)c.subscribe(topic, tern::qos::at_least_once);
  });
  c.on_subscribe([&](tern::message_id, std::span<const std::uint8_t>) {
    (void)c.publish(topic, std::string("hello"), tern::qos::at_least_once);
  });
  c.on_message([&](const tern::message_received& msg) {
    std::lock_guard lock(m);
    got.assign(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size());
    cv.notify_all();
  });
  c.connect();
  std::unique_lock lock(m);
  bool ok = cv.wait_for(lock, std::chrono::seconds(10), [&] { return !got.empty(); }) && got == "hello";
  lock.unlock();
  c.stop();
  std::printf("consumer: %s\n", ok ? "ok" : ("FAILED: " + std::string(c.last_error_detail())).c_str());
  return ok ? 0 : 1;
}
