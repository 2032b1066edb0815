// load-mosquitto: tern-load's driver and flags over libmosquitto 2.0, in the
// two ways its documentation offers, chosen by MOSQ_LOOP (the flags stay
// tern-load's):
//
//   thread (default)  mosquitto_loop_start: a thread per client running the
//                     library's own loop and reconnecting by itself.
//   external          one loop thread of ours that poll()s every client's
//                     socket and calls mosquitto_loop_read/write/misc, as the
//                     docs describe for an application's own event loop.
//
// The library's loop (mosquitto_loop, under loop_start) waits with pselect()
// on the client's socket and its wake-up socketpair, and refuses
// (MOSQ_ERR_INVAL, which ends loop_forever's thread silently) when either
// descriptor is FD_SETSIZE (1024) or more. A client holds three descriptors,
// so the thread mode cannot serve more than about 340 clients in a process:
// a client whose socket lands beyond FD_SETSIZE fails at once with that
// reason instead of waiting for a CONNACK that would never be read. The
// external mode has no such ceiling (but still three descriptors a client).

#include <mosquitto.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "load_driver.hpp"
#include "process_usage.hpp"

namespace tern::load {
namespace {

using steady = std::chrono::steady_clock;

class mosquitto_engine final : public load_engine {
 public:
  mosquitto_engine(const load_options& o, load_stats& s, bool external)
      : o_(o), s_(s), external_(external), clients_(o.clients) {
    // The driver asks for one descriptor a client; libmosquitto takes three.
    auto note = raise_fd_limit(3 * o.clients + 64);
    if (!note.empty()) std::fprintf(stderr, "%s: %s\n", name(), note.c_str());
    mosquitto_lib_init();
    if (external_) {
      wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      loop_ = std::thread([this] { run_loop(); });
    }
  }
  ~mosquitto_engine() override { close_all(); }

  const char* name() const noexcept override { return external_ ? "mosquitto-external" : "mosquitto-thread"; }

  void open(std::size_t i) override {
    auto index = o_.first_index + i;
    auto& c = clients_[i];
    c.e = this;
    c.topic = expand(o_.topic, index);
    c.filter = subscription_filter(o_, c.topic);
    c.m = mosquitto_new(expand(o_.client_id, index).c_str(), true, &c);
    if (!c.m) return failure(c, std::strerror(errno));
    // External: the driver's thread only queues packets and our loop writes
    // them; without this the library would write from the caller's thread.
    if (external_) mosquitto_threaded_set(c.m, true);
    mosquitto_connect_callback_set(c.m, &mosquitto_engine::on_connect);
    mosquitto_disconnect_callback_set(c.m, &mosquitto_engine::on_disconnect);
    mosquitto_message_callback_set(c.m, &mosquitto_engine::on_message);
    mosquitto_publish_callback_set(c.m, &mosquitto_engine::on_publish);
    if (!o_.user.empty())
      mosquitto_username_pw_set(c.m, expand(o_.user, index).c_str(),
                                o_.password.empty() ? nullptr : expand(o_.password, index).c_str());
    if (int rc = mosquitto_connect_async(c.m, o_.host.c_str(), o_.port, o_.keepalive); rc != MOSQ_ERR_SUCCESS)
      failure(c, mosquitto_strerror(rc));  // retried later, like a lost connection
    if (external_) {
      std::lock_guard lock(added_mutex_);
      added_.push_back(&c);
    } else {
      if (int fd = mosquitto_socket(c.m); fd >= FD_SETSIZE)
        return drop(c, "socket " + std::to_string(fd) + " >= FD_SETSIZE (" + std::to_string(FD_SETSIZE) +
                           "): libmosquitto's own loop waits with pselect()");
      mosquitto_reconnect_delay_set(c.m, 1, 60, true);
      if (int rc = mosquitto_loop_start(c.m); rc != MOSQ_ERR_SUCCESS)
        return drop(c, std::string("loop_start: ") + mosquitto_strerror(rc));
    }
    wake();
  }

  void publish(std::size_t i, std::span<const std::byte> payload) override {
    auto& c = clients_[i];
    if (!c.m || mosquitto_publish(c.m, nullptr, c.topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                                  o_.qos, false) != MOSQ_ERR_SUCCESS)
      return void(s_.publish_errors.fetch_add(1, std::memory_order_relaxed));
    wake();
  }

  void close_all() override {
    if (closed_) return;
    closed_ = true;
    close_deadline_ = steady::now() + std::chrono::seconds(2);
    closing_ = true;  // before the DISCONNECTs: the loop must not reconnect what they close
    for (auto& c : clients_)
      if (c.m) mosquitto_disconnect(c.m);
    if (external_) {
      wake();
      loop_.join();
      close(wake_);
    } else {
      for (auto& c : clients_)
        if (c.m) mosquitto_loop_stop(c.m, false);
    }
    for (auto& c : clients_)
      if (c.m) mosquitto_destroy(c.m);
    clients_.clear();
    mosquitto_lib_cleanup();
  }

 private:
  struct client {
    mosquitto_engine* e = nullptr;
    mosquitto* m = nullptr;
    std::string topic, filter;
    std::atomic<bool> ever_connected{false}, failed{false}, up{false};
    // External mode, on the loop thread: when to try again after a loss.
    steady::time_point retry_at{};
    double backoff_s = 1;
  };

  void failure(client& c, const std::string& why) {
    if (!c.ever_connected.load() && !c.failed.exchange(true)) s_.first_failure(why);
  }

  /// A client the thread mode cannot run: reported and closed.
  void drop(client& c, const std::string& why) {
    failure(c, why);
    mosquitto_destroy(c.m);
    c.m = nullptr;
  }

  static void on_connect(mosquitto* m, void* obj, int rc) {
    auto& c = *static_cast<client*>(obj);
    auto& e = *c.e;
    if (rc != 0) return e.failure(c, std::string("refused: ") + mosquitto_connack_string(rc));
    c.up = true;
    c.backoff_s = 1;
    if (c.ever_connected.exchange(true))
      e.s_.reconnects.fetch_add(1, std::memory_order_relaxed);
    else
      e.s_.first_connack();
    // A clean session: the subscription is made again on every connection.
    if (e.o_.mode == load_mode::sub) mosquitto_subscribe(m, nullptr, c.filter.c_str(), e.o_.qos);
  }

  static void on_disconnect(mosquitto*, void* obj, int rc) {
    auto& c = *static_cast<client*>(obj);
    bool was_up = c.up.exchange(false);
    if (rc == MOSQ_ERR_SUCCESS) return;  // close_all's own
    if (!c.ever_connected)
      c.e->failure(c, mosquitto_strerror(rc));
    else if (was_up)
      c.e->s_.disconnects.fetch_add(1, std::memory_order_relaxed);
  }

  static void on_message(mosquitto*, void* obj, const mosquitto_message* msg) {
    static_cast<client*>(obj)->e->s_.delivered(
        std::span(static_cast<const std::byte*>(msg->payload), static_cast<std::size_t>(msg->payloadlen)));
  }

  static void on_publish(mosquitto*, void* obj, int) {
    static_cast<client*>(obj)->e->s_.completed.fetch_add(1, std::memory_order_relaxed);
  }

  /// Wakes the external loop (at most one write until it has woken), so
  /// that it polls for the new client or for writing the new packets.
  void wake() {
    if (!external_ || wake_pending_.exchange(true)) return;
    std::uint64_t one = 1;
    if (write(wake_, &one, sizeof one) < 0) std::perror("load-mosquitto: eventfd");
  }

  /// A client without a socket tries again after its jittered back-off
  /// (1 s doubling to 60 s): true when that time has come.
  bool retry_due(client& c, steady::time_point now) {
    if (c.retry_at == steady::time_point{}) {
      std::uniform_real_distribution<double> jitter(0.5, 1.0);
      c.retry_at = now + std::chrono::duration_cast<steady::duration>(
                             std::chrono::duration<double>(c.backoff_s * jitter(rng_)));
      c.backoff_s = std::min(c.backoff_s * 2, 60.0);
      return false;
    }
    if (now < c.retry_at) return false;
    c.retry_at = {};
    return true;
  }

  void run_loop() {
    std::vector<client*> mine, polled;
    std::vector<pollfd> fds;
    auto next_misc = steady::now();
    for (;;) {
      {
        std::lock_guard lock(added_mutex_);
        mine.insert(mine.end(), added_.begin(), added_.end());
        added_.clear();
      }
      auto now = steady::now();
      bool closing = closing_.load();
      // Keep-alive pings and timeouts: once a second for every client.
      bool misc = now >= next_misc;
      if (misc) next_misc = now + std::chrono::seconds(1);
      fds.assign(1, pollfd{wake_, POLLIN, 0});
      polled.clear();
      for (auto* c : mine) {
        if (misc) mosquitto_loop_misc(c->m);
        int fd = mosquitto_socket(c->m);
        if (fd < 0 && !closing && retry_due(*c, now)) {
          if (int rc = mosquitto_reconnect_async(c->m); rc != MOSQ_ERR_SUCCESS) failure(*c, mosquitto_strerror(rc));
          fd = mosquitto_socket(c->m);
        }
        if (fd < 0) continue;
        fds.push_back(pollfd{fd, static_cast<short>(POLLIN | (mosquitto_want_write(c->m) ? POLLOUT : 0)), 0});
        polled.push_back(c);
      }
      if (closing && (polled.empty() || now >= close_deadline_)) return;
      auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next_misc - now).count() + 1;
      if (poll(fds.data(), fds.size(), static_cast<int>(timeout)) < 0) {
        if (errno == EINTR) continue;
        std::perror("load-mosquitto: poll");
        return;
      }
      if (fds[0].revents) {
        std::uint64_t n;
        if (read(wake_, &n, sizeof n) < 0 && errno != EAGAIN) std::perror("load-mosquitto: eventfd");
        wake_pending_ = false;  // after the read: a wake from now on is seen by the next poll
      }
      for (std::size_t k = 0; k < polled.size(); ++k) {
        auto revents = fds[k + 1].revents;
        auto* m = polled[k]->m;
        if (revents & (POLLIN | POLLERR | POLLHUP)) mosquitto_loop_read(m, 1);
        if ((revents & POLLOUT) && mosquitto_socket(m) >= 0) mosquitto_loop_write(m, 1);
      }
    }
  }

  const load_options& o_;
  load_stats& s_;
  bool external_;
  std::vector<client> clients_;
  bool closed_ = false;
  std::atomic<bool> closing_{false};
  steady::time_point close_deadline_;  // written before closing_ is set
  // External mode.
  int wake_ = -1;
  std::atomic<bool> wake_pending_{false};
  std::mutex added_mutex_;
  std::vector<client*> added_;  // opened, not yet in the loop's set
  std::mt19937 rng_{std::random_device{}()};
  std::thread loop_;
};

}  // namespace
}  // namespace tern::load

int main(int argc, char** argv) {
  auto o = tern::load::parse_load_options(argc, argv, "load-mosquitto");
  if (!o) return 2;
  const char* env = std::getenv("MOSQ_LOOP");
  std::string_view loop = env ? env : "thread";
  if (loop != "thread" && loop != "external") {
    std::fprintf(stderr, "load-mosquitto: MOSQ_LOOP is thread (the default) or external, not %s\n", env);
    return 2;
  }
  tern::load::load_stats stats;
  tern::load::mosquitto_engine engine(*o, stats, loop == "external");
  return tern::load::run_load(*o, engine, stats);
}
