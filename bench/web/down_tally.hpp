#pragma once
// What the down-path readers record: per client, how many measured messages
// and whether a warm-up one arrived; over all, the latency histogram and the
// connection outcomes. A client's slot is written only by its connection's
// handlers (one strand); the main thread reads the slots after the readers stopped.

#include <atomic>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latency_histogram.hpp"
#include "problem_note.hpp"
#include "stamp.hpp"

namespace tern::web_bench {

struct client_slot {
  std::uint64_t received = 0;  // measured messages
  bool warm = false;
  bool open = false;           // connected and not lost since
};

class down_tally {
 public:
  explicit down_tally(std::size_t clients) : slots_(clients) {}

  /// One payload received by client `i`.
  void on_payload(std::size_t i, std::string_view payload) {
    std::int64_t now = mono_ns();
    auto s = parse_stamp(payload);
    if (!s) return;
    auto& slot = slots_[i];
    if (s->kind == 'w') {
      if (!slot.warm) {
        slot.warm = true;
        warm_.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
    ++slot.received;
    latency_.add(now - s->sent_ns);
    received_.fetch_add(1, std::memory_order_relaxed);
    last_receipt_ns_.store(now, std::memory_order_relaxed);
  }

  /// Client `i` received `text`: one JSON object or more (a WebSocket frame,
  /// an SSE data line, a Socket.IO event). Takes its payloads and the
  /// bridge's `{"dropped":N}` notices.
  void scan(std::size_t i, std::string_view text) {
    for_each_payload(text, [&](std::string_view p) { on_payload(i, p); });
    constexpr std::string_view key = "\"dropped\":";
    for (auto at = text.find(key); at != std::string_view::npos; at = text.find(key, at)) {
      at += key.size();
      std::uint64_t n = 0;
      std::from_chars(text.data() + at, text.data() + text.size(), n);
      server_dropped_.fetch_add(n, std::memory_order_relaxed);
    }
  }

  void on_open(std::size_t i) {
    slots_[i].open = true;
    opened_.fetch_add(1);
  }
  /// A refusal: an HTTP status other than 101/200, or the server's error text.
  void on_refused(std::string_view why) {
    refused_.fetch_add(1);
    note(why);
  }
  /// No connection: a socket error before the stream opened.
  void on_failed(std::string_view why) {
    failed_.fetch_add(1);
    note(why);
  }
  /// An open stream ended before the bench closed it.
  void on_lost(std::size_t i) {
    if (slots_[i].open) lost_.fetch_add(1);
    slots_[i].open = false;
  }

  std::uint64_t opened() const { return opened_.load(); }
  std::uint64_t refused() const { return refused_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  std::uint64_t lost() const { return lost_.load(); }
  /// What the server said it dropped (its per-stream queue overflowed).
  std::uint64_t server_dropped() const { return server_dropped_.load(std::memory_order_relaxed); }
  std::uint64_t warm() const { return warm_.load(std::memory_order_relaxed); }
  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  std::int64_t last_receipt_ns() const { return last_receipt_ns_.load(std::memory_order_relaxed); }
  const latency_histogram& latency() const { return latency_; }
  const std::vector<client_slot>& slots() const { return slots_; }
  std::string first_problem() { return problem_.first(); }

 private:
  void note(std::string_view why) { problem_.note(why); }

  std::vector<client_slot> slots_;
  latency_histogram latency_;
  std::atomic<std::uint64_t> opened_{0}, refused_{0}, failed_{0}, lost_{0}, warm_{0}, received_{0},
      server_dropped_{0};
  std::atomic<std::int64_t> last_receipt_ns_{0};
  problem_note problem_;
};

}  // namespace tern::web_bench
