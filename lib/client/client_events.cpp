// What the client does with each action of the session.

#include "client/client_impl.hpp"

namespace tern {

void client::impl::run_actions() {
  handle_all();
  flush_writes();
}

void client::impl::handle_all() {
  // The views in a batch of actions live until the session's next call, so
  // nothing here calls the session before the whole batch is handled; what
  // must (re-subscribing after CONNACK) runs after it, as a batch of its own.
  // Callbacks cannot re-enter either: public functions only post to the strand.
  for (;;) {
    handle_batch();
    if (!renew_subscriptions_) break;
    renew_subscriptions_ = false;
    resubscribe(renew_session_present_);
    if (actions_.empty()) break;
  }
  inflight_ = session_.inflight();
  queued_ = session_.queued();
}

void client::impl::handle_batch() {
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    std::visit(
        [this](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, send_bytes>) {
            queue_write(a);
          } else if constexpr (std::is_same_v<A, arm_timer>) {
            arm_session_timer(a.deadline);
          } else if constexpr (std::is_same_v<A, connected>) {
            on_connected(a);
          } else if constexpr (std::is_same_v<A, connect_refused>) {
            last_connack_code_ = a.return_code;
            set_error(a.ec, a.ec.message());
            // Bad protocol version, rejected id, bad credentials, not authorised:
            // the same CONNECT would be refused again. Server unavailable (3) is retried.
            if (a.return_code != 3) permanent_failure_ = true;
            if (on_connect_) on_connect_(false, a.return_code);  // as paho: on_connect(rc)
          } else if constexpr (std::is_same_v<A, message_received>) {
            ++messages_in_;
            deliver(a);
          } else if constexpr (std::is_same_v<A, publish_completed>) {
            // QoS 0 is complete when written: its bytes were queued just before.
            if (a.qos == qos::at_most_once && writes_.has_pending()) writes_.complete_when_written(a.mid);
            else complete_publish(a.mid, {});
          } else if constexpr (std::is_same_v<A, subscribed>) {
            if (!a.ec && on_subscribe_) on_subscribe_(a.mid, a.granted);
            if (auto done = detail::request_book::take(requests().subscribe_done, a.mid)) done(a.ec, a.granted);
          } else if constexpr (std::is_same_v<A, unsubscribed>) {
            if (!a.ec && on_unsubscribe_) on_unsubscribe_(a.mid);
            if (auto done = detail::request_book::take(requests().unsubscribe_done, a.mid)) done(a.ec);
          } else if constexpr (std::is_same_v<A, connection_closed>) {
            on_closed(a);
          } else if constexpr (std::is_same_v<A, log_line>) {
            if (on_log_) on_log_(a.level, a.text);
          } else if constexpr (std::is_same_v<A, store_update>) {
            on_store_update(a);
          }
        },
        actions_[i]);
  }
  actions_.clear();
}

// Every packet sent moves the keep-alive deadline later; re-arming the timer
// each time would cost a timerfd_settime per write. The timer is moved only
// when the deadline comes sooner; when it fires early, the session does
// nothing and the timer is set to the session's real next deadline.
void client::impl::arm_session_timer(clock::time_point deadline) {
  if (deadline == clock::time_point::max()) {
    // No deadline left (the connection is over): an armed timer would keep
    // a caller's io_context running for nothing, up to the connect timeout.
    if (timer_armed_ != deadline) {
      timer_armed_ = deadline;
      session_timer_.cancel();
    }
    return;
  }
  if (deadline >= timer_armed_) return;
  timer_armed_ = deadline;
  session_timer_.expires_at(deadline);
  session_timer_.async_wait(
      long_wait(guarded([self = shared_from_this()](std::error_code ec) { self->on_session_timer(ec); })));
}

void client::impl::on_session_timer(std::error_code ec) {
  if (ec) return;  // cancelled: a sooner deadline was armed, or the client stopped
  timer_armed_ = clock::time_point::max();
  session_.on_timer(clock::now(), actions_);
  run_actions();
  arm_session_timer(session_.next_deadline());
}

void client::impl::drain_outbox() {
  // One wake-up of the strand for every publish made since the last one.
  outbox_.drain([this](outbox_item& item) {
    if (item.command) {
      item.command();
      return;
    }
    if (auto ec = publish_item(item)) report_publish_error(item, ec);
  });
  flush_writes();
}

std::error_code client::impl::publish_item(detail::outbox_item& item) {
  auto r = session_.publish(std::move(item.msg), clock::now(), actions_, item.mid);
  if (r && item.done) requests().publish_done.emplace(item.mid, std::move(item.done));
  handle_all();  // the views of this call's actions end with the next session call
  return r ? std::error_code{} : std::error_code(r.error());
}

void client::impl::report_publish_error(detail::outbox_item& item, std::error_code ec) {
  log(log_level::err, "publish failed: " + ec.message());
  unstore(item.mid, item.msg.qos);  // the session moved the message, not its QoS out
  if (item.done) item.done(ec, item.mid);
}

void client::impl::on_connected(const connected& c) {
  connected_ = true;
  ++connects_;
  last_connack_code_ = c.return_code;
  backoff_.reset();
  {
    std::lock_guard lock(error_mutex_);
    last_error_ = {};
    last_error_detail_.clear();
  }
  renew_subscriptions_ = true;
  renew_session_present_ = c.session_present;
  trim_after_read_ = true;  // the connection's start-up is over: most connections now sit idle
  if (on_connect_) on_connect_(c.session_present, c.return_code);
}

void client::impl::resubscribe(bool session_present) {
  // Without a resumed session the broker has forgotten our subscriptions.
  auto* book = requests_.find();
  if (!session_present && book && !book->subscriptions.empty()) {
    std::vector<std::pair<std::string, qos>> all;
    for (const auto& [f, q] : book->subscriptions) {
      bool requested = false;  // sent below anyway, under the user's id
      for (const auto& r : book->offline)
        for (const auto& rf : r.filters) requested |= r.subscribe && rf.first == f;
      if (!requested) all.emplace_back(f, q);
    }
    if (!all.empty()) send_subscribe(session_.next_message_id(), all);
  }
  flush_offline_requests();
}

void client::impl::flush_offline_requests() {
  auto* book = requests_.find();
  if (!book) return;
  auto waiting = std::move(book->offline);
  book->offline.clear();
  for (const auto& r : waiting) {
    if (r.subscribe) {
      send_subscribe(r.mid, r.filters);
    } else {
      std::vector<std::string> names;
      for (const auto& f : r.filters) names.push_back(f.first);
      send_unsubscribe(r.mid, names);
    }
  }
}

void client::impl::send_subscribe(message_id mid, const std::vector<std::pair<std::string, qos>>& filters) {
  std::vector<subscribe_entry> entries;
  for (const auto& [f, q] : filters) entries.push_back({f, q});
  auto r = session_.subscribe(entries, clock::now(), actions_, mid);
  if (!r) {
    log(log_level::err, "subscribe failed: " + r.error().message());
    if (auto done = detail::request_book::take(requests().subscribe_done, mid)) done(r.error(), {});
  }
}

void client::impl::send_unsubscribe(message_id mid, const std::vector<std::string>& filters) {
  std::vector<std::string_view> views(filters.begin(), filters.end());
  auto r = session_.unsubscribe(views, clock::now(), actions_, mid);
  if (!r) {
    log(log_level::err, "unsubscribe failed: " + r.error().message());
    if (auto done = detail::request_book::take(requests().unsubscribe_done, mid)) done(r.error());
  }
}

void client::impl::on_closed(const connection_closed& c) {
  bool requested = c.reason == errc::disconnected;
  if (!requested) set_error(c.reason, c.reason.message());
  // [MQTT-3.14.4-1] after DISCONNECT the client closes the connection: once it is written.
  close_gracefully_ = requested;
  if (writes_.in_flight() || writes_.has_pending()) close_after_write_ = true;
  else close_stream(requested);
  connected_ = false;
  if (on_disconnect_) on_disconnect_(c.reason);
  if (!requested) schedule_reconnect();
}

void client::impl::complete_publish(message_id mid, std::error_code ec) {
  if (!ec) {
    ++messages_out_;
    if (on_publish_) on_publish_(mid);
  }
  if (auto* book = requests_.find())
    if (auto done = detail::request_book::take(book->publish_done, mid)) done(ec, mid);
}

void client::impl::deliver(const message_received& m) {
  std::size_t n = 0;
  if (auto* h = topic_handlers_.handlers.get())
    n = h->trie.for_each_match(m.topic, [&m](const detail::topic_handlers::handler& x) { (*x.fn)(m); });
  if (n == 0 && on_message_) on_message_(m);
}

void client::impl::log(log_level level, std::string_view text) {
  if (on_log_ && (static_cast<std::uint8_t>(level) & log_mask_)) on_log_(level, text);
}

void client::impl::set_error(std::error_code ec, std::string detail) {
  std::lock_guard lock(error_mutex_);
  last_error_ = ec;
  last_error_detail_ = std::move(detail);
}

}  // namespace tern
