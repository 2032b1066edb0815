// A WebSocket session of the bridge: requests in, frames out. The protocol
// itself (what a request does) is the bridge's, reached through the state's
// `on_request`.

#include "web/event_stream_state.hpp"

namespace tern::web {

namespace {
// Replies waiting beyond this many: the client sends requests and reads
// nothing. Replies are never dropped (each answers a request), so the
// session ends instead of holding them without bound.
constexpr std::size_t max_unread_replies = 1024;
constexpr std::string_view not_reading = "the client does not read its replies";
}  // namespace

socket_session::socket_session(std::shared_ptr<detail::stream_state> s) : s_(std::move(s)) {}

socket_session::~socket_session() { close(); }

bool socket_session::receive(std::string_view text) {
  std::function<std::string(std::string_view)> answer;
  {
    std::lock_guard lock(s_->m);
    if (s_->closed) return false;
    if (s_->replies.size() >= max_unread_replies) return false;
    answer = s_->on_request;
  }
  if (!answer) return false;
  if (auto wake = s_->push_reply(answer(text))) wake();
  return true;
}

std::string socket_session::take() { return s_->take(); }

void socket_session::on_ready(std::function<void()> f) {
  std::lock_guard lock(s_->m);
  s_->ready = std::move(f);
}

bool socket_session::closed() const {
  std::lock_guard lock(s_->m);
  return s_->closed;
}

void socket_session::close() { s_->close(); }

std::string_view socket_session::close_reason() const noexcept { return not_reading; }

std::vector<std::string> socket_session::filters() const {
  std::lock_guard lock(s_->m);
  return s_->filters;
}

}  // namespace tern::web
