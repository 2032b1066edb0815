// Stopping: what was published is delivered within the linger, or its
// completion says it was not. Nothing is dropped without a word.
//
// The sequence, on the strand: wait while anything published is not
// complete and a connection is (or may soon be) there to carry it, at most
// until the linger's deadline; then DISCONNECT (or close); once the stream
// is gone, complete every message still held with errc::stopped, and with
// it the subscribe and unsubscribe requests that never left.

#include "client/client_impl.hpp"

namespace tern {

bool client::impl::has_undelivered() {
  return session_.inflight() > 0 || session_.queued() > 0 || writes_.has_pending() || writes_.in_flight() ||
         !outbox_.empty();
}

void client::impl::begin_stop(std::chrono::milliseconds linger, callback<void()> done) {
  auto deadline = clock::now() + linger;
  if (stop_) {  // a second stop joins the first; the earlier deadline holds
    if (done) stop_->done.push_back(std::move(done));
    if (deadline < stop_->deadline && !stop_->finishing) {
      stop_->deadline = deadline;
      stop_timer_.get().expires_at(deadline);
      stop_timer_.get().async_wait(guarded([self = shared_from_this()](std::error_code ec) {
        if (!ec) self->finish_stop();
      }));
    }
    return;
  }
  stop_ = std::make_unique<stop_state>();
  stop_->deadline = deadline;
  if (done) stop_->done.push_back(std::move(done));
  drain_outbox();  // what was published before stop() counts; this may also end the wait
  if (!stop_ || stop_->finishing) return;
  // A connection is there, or being opened, or would be reopened.
  bool can_deliver = want_connection_ && !permanent_failure_ && linger.count() > 0 &&
                     (stream_ || options_.reconnect.enabled);
  if (!can_deliver || !has_undelivered()) return finish_stop();
  if (!stream_) {
    // Waiting for a reconnect's back-off would spend the linger doing
    // nothing: one last attempt goes now.
    reconnect_timer_.cancel();
    brokers_tried_ = 0;
    try_broker();
  }
  stop_timer_.get().expires_at(deadline);
  stop_timer_.get().async_wait(guarded([self = shared_from_this()](std::error_code ec) {
    if (!ec) self->finish_stop();
  }));
}

void client::impl::check_stop() {
  if (stop_ && !stop_->finishing && !has_undelivered()) finish_stop();
}

void client::impl::finish_stop() {
  if (!stop_ || stop_->finishing) return;
  stop_->finishing = true;
  stop_timer_.cancel();
  want_connection_ = false;
  reconnect_timer_.cancel();
  if (session_.is_open()) {
    session_.disconnect(clock::now(), actions_);  // [MQTT-3.14.4-3] the broker drops the Will
    run_actions();
  } else if (stream_) {
    transport_timer_.cancel();
    close_stream();
  }
  if (!stream_) {
    post([](impl& self) { self.end_stop(); });
    return;
  }
  // The DISCONNECT leaves behind what was queued before it; a broker that
  // stopped reading gets a second, then the stream is closed regardless.
  stop_timer_.get().expires_after(std::chrono::seconds(1));
  stop_timer_.get().async_wait(guarded([self = shared_from_this()](std::error_code ec) {
    if (ec) return;
    if (self->stream_) self->close_stream();
    self->end_stop();
  }));
}

void client::impl::end_stop() {
  if (!stop_ || !stop_->finishing) return;
  stop_timer_.cancel();
  transport_timer_.cancel();
  reconnect_timer_.cancel();
  // Publishes made while the stream closed have nowhere to go either.
  drain_outbox();
  std::vector<message_id> lost;
  session_.abandon_messages(lost);
  inflight_ = session_.inflight();
  queued_ = session_.queued();
  if (!lost.empty()) {
    std::string ids;
    for (std::size_t n = 0; n < lost.size() && n < 20; ++n) ids += (n ? ", " : "") + std::to_string(lost[n]);
    if (lost.size() > 20) ids += ", ...";
    log(log_level::err, "stopped with " + std::to_string(lost.size()) + " message(s) not delivered (mid " + ids + ")");
  }
  for (auto mid : lost) complete_publish(mid, errc::stopped);
  std::vector<detail::request_book::offline_request> waiting;
  if (auto* book = requests_.find()) waiting = std::move(book->offline);
  for (const auto& r : waiting) {
    auto& book = requests();
    if (r.subscribe) {
      if (auto done = detail::request_book::take(book.subscribe_done, r.mid)) done(errc::stopped, {});
    } else if (auto done = detail::request_book::take(book.unsubscribe_done, r.mid)) {
      done(errc::stopped);
    }
  }
  auto done = std::move(stop_->done);
  stop_.reset();
  for (auto& f : done) f();
}

void client::impl::stop_from_callback(std::chrono::milliseconds linger) {
  // The thread cannot join itself. Unless another thread is stopping the
  // client (and will join it), it is detached, and ends on its own once the
  // stop is over and no work is left; it keeps the io_context alive until then.
  std::thread t;
  {
    std::lock_guard lock(own_->lifecycle_m);
    t = std::move(own_->thread);
  }
  // Posted: a callback may run inside a batch of the session's actions,
  // whose views the stop's own session calls would end.
  if (!t.joinable()) return post([linger](impl& self) { self.begin_stop(linger, {}); });
  t.detach();
  post([linger](impl& self) { self.begin_stop(linger, [&self] { self.own_->work.reset(); }); });
}

}  // namespace tern
