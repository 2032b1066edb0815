// An event stream's queue and its Server-Sent-Events framing.

#include "web/event_stream_state.hpp"

namespace tern::web {

using detail::clock_type;

event_stream::event_stream(std::shared_ptr<detail::stream_state> s) : s_(std::move(s)) {}

event_stream::~event_stream() { close(); }

std::string event_stream::take() {
  auto& s = *s_;
  std::string out;
  std::uint64_t events = 0;
  {
    std::lock_guard lock(s.m);
    if (!s.opened) {
      // Tells the client (and a test) that the stream is registered.
      s.opened = true;
      out = "retry: 2000\n: tern event stream\n\n";
    }
    for (; !s.queue.empty(); s.queue.pop_front(), ++events) out += s.queue.front();
    if (s.dropped_unreported > 0) {
      out += "event: dropped\ndata: " + detail::json_object().add("dropped", s.dropped_unreported).str() + "\n\n";
      s.dropped_unreported = 0;
    }
    auto now = clock_type::now();
    if (out.empty() && !s.closed && now - s.last_write >= s.keepalive) out = ": keep-alive\n\n";
    if (!out.empty()) s.last_write = now;
  }
  if (events > 0) s.counters->sent.fetch_add(events, std::memory_order_relaxed);
  return out;
}

bool event_stream::wait(std::chrono::milliseconds timeout) {
  auto& s = *s_;
  std::unique_lock lock(s.m);
  auto ready = [&] { return s.closed || s.has_data_locked(); };
  auto keepalive_due = s.last_write + s.keepalive;
  auto until = std::min(clock_type::now() + timeout, keepalive_due);
  s.cv.wait_until(lock, until, ready);
  return s.has_data_locked() || clock_type::now() >= keepalive_due;
}

void event_stream::on_ready(std::function<void()> f) {
  std::lock_guard lock(s_->m);
  s_->ready = std::move(f);
}

bool event_stream::closed() const {
  std::lock_guard lock(s_->m);
  return s_->closed;
}

void event_stream::close() { s_->close(); }

const std::vector<std::string>& event_stream::filters() const noexcept { return s_->filters; }

namespace detail {

bool stream_state::has_data_locked() const { return !opened || !queue.empty() || dropped_unreported > 0; }

std::function<void()> stream_state::push(const std::string& event) {
  std::lock_guard lock(m);
  if (closed) return {};
  if (queue.size() >= capacity) {
    ++dropped_unreported;
    counters->dropped.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  bool was_idle = !has_data_locked();
  queue.push_back(event);
  cv.notify_all();
  return was_idle ? ready : std::function<void()>{};
}

void stream_state::close() {
  std::function<void()> last, wake;
  {
    std::lock_guard lock(m);
    if (closed) return;
    closed = true;
    cv.notify_all();
    last = std::move(on_close);
    wake = ready;
  }
  if (last) last();
  if (wake) wake();  // an event loop learns of the end as of new data
}

}  // namespace detail
}  // namespace tern::web
