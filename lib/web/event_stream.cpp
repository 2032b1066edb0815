// An event stream's (or a WebSocket session's) queue, and its framing:
// Server-Sent Events, or one JSON object per line of a WebSocket frame.

#include "web/event_stream_state.hpp"

namespace tern::web {

using detail::clock_type;

event_stream::event_stream(std::shared_ptr<detail::stream_state> s) : s_(std::move(s)) {}

event_stream::~event_stream() { close(); }

std::string event_stream::take() { return s_->take(); }

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

bool stream_state::has_data_locked() const {
  return !opened || !queue.empty() || !replies.empty() || dropped_unreported > 0;
}

std::function<void()> stream_state::push(shared_event event) {
  std::lock_guard lock(m);
  if (closed) return {};
  if (queue.size() >= capacity) {
    ++dropped_unreported;
    counters->dropped.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  bool was_idle = !has_data_locked();
  queue.push_back(std::move(event));
  cv.notify_all();
  return was_idle ? ready : std::function<void()>{};
}

std::function<void()> stream_state::push_reply(std::string reply) {
  std::lock_guard lock(m);
  if (closed) return {};
  bool was_idle = !has_data_locked();
  replies.push_back(std::move(reply));
  cv.notify_all();
  return was_idle ? ready : std::function<void()>{};
}

std::string stream_state::take() {
  bool socket = type == kind::socket;
  std::string out;
  std::uint64_t events = 0;
  {
    std::lock_guard lock(m);
    std::size_t size = 64;  // room for the opening or a notice
    for (const auto& r : replies) size += r.size() + 1;
    for (const auto& e : queue) size += e->size() + 1;
    out.reserve(size);
    auto line = [&](std::string_view s) {
      if (socket && !out.empty()) out += '\n';
      out += s;
    };
    if (!opened) {
      opened = true;
      // Tells the client (and a test) that the stream is registered.
      if (socket) line(R"({"type":"ready"})");
      else out = "retry: 2000\n: tern event stream\n\n";
    }
    for (; !replies.empty(); replies.pop_front()) line(replies.front());
    for (; !queue.empty(); queue.pop_front(), ++events) line(*queue.front());
    if (dropped_unreported > 0) {
      auto notice = json_object();
      if (socket) notice.add("type", "dropped");
      auto text = notice.add("dropped", dropped_unreported).str();
      if (socket) line(text);
      else out.append("event: dropped\ndata: ").append(text).append("\n\n");
      dropped_unreported = 0;
    }
    auto now = clock_type::now();
    // A socket keeps itself alive with pings (the binding's).
    if (!socket && out.empty() && !closed && now - last_write >= keepalive) out = ": keep-alive\n\n";
    if (!out.empty()) last_write = now;
  }
  if (events > 0) counters->sent.fetch_add(events, std::memory_order_relaxed);
  return out;
}

void stream_state::close() {
  std::function<void()> last, wake;
  {
    std::lock_guard lock(m);
    if (closed) return;
    closed = true;
    cv.notify_all();
    last = std::move(on_close);
    on_request = nullptr;
    wake = ready;
  }
  if (last) last();
  if (wake) wake();  // an event loop learns of the end as of new data
}

}  // namespace detail
}  // namespace tern::web
