// Opening, reading, writing and closing the connection; reconnecting.

#include <algorithm>
#include <cstring>
#include <utility>

#include "client/client_impl.hpp"

namespace tern {
namespace {

bool is_configuration_error(std::error_code ec) {
  return ec == transport_errc::tls_setup_failed || ec == transport_errc::tls_unavailable;
}

}  // namespace

void client::impl::start_connect() {
  if (stop_) {
    log(log_level::warning, "connect() while the client is stopping: ignored; call it again once stop() returned");
    return;
  }
  if (config_error_) {
    set_error(config_error_, last_error_detail_);
    if (on_disconnect_) on_disconnect_(config_error_);
    return;
  }
  if (store_ && !store_->warning.empty()) log(log_level::warning, std::exchange(store_->warning, {}));
  if (store_ && !store_->note.empty()) log(log_level::info, std::exchange(store_->note, {}));
  want_connection_ = true;
  permanent_failure_ = false;
  if (stream_ || session_.is_open()) return;  // already connecting or connected
  brokers_tried_ = 0;
  try_broker();
}

void client::impl::try_broker() {
  const auto& uri = (*brokers_)[broker_index_ % brokers_->size()];
  ++attempt_;
  stream_ = std::make_shared<transport::stream>(strand_, static_cast<bool>(options_.executor_wakeup));
  stream_open_ = false;
  timed_out_ = false;
  const char* scheme = uri.websocket ? (uri.tls ? "wss://" : "ws://") : (uri.tls ? "mqtts://" : "mqtt://");
  log(log_level::info, std::string("connecting to ") + scheme + uri.host + ":" + std::to_string(uri.port) +
                           (uri.websocket ? uri.path : ""));
  if (uri.tls && transport_->tls.insecure)
    log(log_level::warning, "TLS insecure mode: the broker's host name is not checked");
  transport_timer_.get().expires_after(options_.transport_timeout);
  transport_timer_.get().async_wait(guarded([self = shared_from_this(), attempt = attempt_](std::error_code ec) {
    if (ec || attempt != self->attempt_ || self->stream_open_ || !self->stream_) return;
    self->timed_out_ = true;
    self->set_error(transport_errc::connect_timeout, "no connection to the broker within the transport timeout");
    self->stream_->close();  // the pending open completes with operation_aborted
  }));
  stream_->async_open(uri, *transport_,
                      guarded([self = shared_from_this(), s = stream_, attempt = attempt_](std::error_code ec) {
                        self->on_open(ec, attempt);
                      }));
}

void client::impl::on_open(std::error_code ec, std::uint64_t attempt) {
  if (attempt != attempt_ || !stream_) return;
  transport_timer_.release();
  if (ec) {
    if (timed_out_) {
      ec = transport_errc::connect_timeout;
    } else {
      set_error(ec, stream_->detail().empty() ? ec.message() : stream_->detail());
    }
    log(log_level::err, "connection failed: " + last_error_detail_);
    if (is_configuration_error(ec)) {
      // An unreadable CA file or key fails every attempt alike; so does a
      // TLS broker in a build without TLS. Retrying would only hide it.
      bool all_tls = std::all_of(brokers_->begin(), brokers_->end(), [](const auto& b) { return b.tls; });
      if (all_tls) {
        permanent_failure_ = true;
        log(log_level::err, "not retrying: a configuration error, which another attempt cannot fix");
      }
    }
    stream_.reset();
    ++broker_index_;
    if (++brokers_tried_ < brokers_->size()) return try_broker();  // failover to the next broker
    if (on_disconnect_) on_disconnect_(ec);
    return schedule_reconnect();
  }
  stream_open_ = true;
  read_ready_ = clock::now();
  const auto& settings = first_connect_ ? *first_connect_ : session_.last_connect_options();
  if (auto err = session_.connect(settings, clock::now(), actions_)) {
    set_error(err, "cannot connect: " + err.message());
    log(log_level::err, last_error_detail_);
    permanent_failure_ = true;  // a configuration error: retrying will not help
    close_stream();
    if (on_disconnect_) on_disconnect_(err);
    return;
  }
  first_connect_.reset();  // the session has them now
  {
    std::lock_guard lock(error_mutex_);
    client_id_ = session_.client_id();
  }
  run_actions();
  start_read();
}

void client::impl::start_read() {
  if (!stream_open_) return;
  auto buf = session_.receive_buffer(read_size_.size());
  stream_->async_read_some(
      asio::buffer(buf.data(), buf.size()),
      long_wait(guarded([self = shared_from_this(), s = stream_, attempt = attempt_, capacity = buf.size()](std::error_code ec,
                                                                                                  std::size_t n) {
        if (attempt != self->attempt_ || !self->stream_open_) return;
        if (ec) return self->link_lost(ec);
        auto now = clock::now();
        bool quiet = now - self->read_ready_ >= detail::read_sizer::quiet;
        bool shrink = self->read_size_.on_read(n, capacity, now - self->read_ready_);
        auto packets_before = self->session_.packets_received();
        auto messages_before = self->messages_in_.load(std::memory_order_relaxed);
        self->session_.on_received(n, now, self->actions_);
        auto packets = self->session_.packets_received() - packets_before;
        self->run_actions();  // acknowledgements leave before any pause
        auto hold = self->read_hold(now, self->messages_in_.load(std::memory_order_relaxed) - messages_before);
        // A read that sends nothing back (QoS 0 messages) leaves the kernel
        // delaying its ACK for a reply that never comes, and a broker with
        // Nagle's algorithm on (mosquitto's default) holds every next
        // message until that ACK: a live QoS 0 stream at 20,000 msgs/s then
        // lags by 12 ms at the median, 24 ms at p99. A write under way
        // carries the ACK itself, unless reads are held back for an
        // interval: then the ACKs of what arrives meanwhile must not wait.
        bool holding = hold > clock::duration::zero();
        if (self->stream_open_ && (holding || !self->writes_.in_flight())) self->stream_->ack_promptly();
        // Only now: the bytes just read, and the messages handed to the
        // callbacks, lived in the buffer until here.
        // A quiet read also gives back a buffer that grew for one large
        // packet while the reads asked for little.
        if (shrink || quiet) self->session_.shrink_receive_buffer(self->read_size_.size());
        if (quiet || std::exchange(self->trim_after_read_, false)) self->trim_idle();
        if (holding) return self->read_after_interval(n < capacity, hold);
        auto pause = self->own_ctx_ && self->options_.read_pause.count() > 0
                         ? self->own_->read_pacer.pause_before_next(self->read_ready_, now, n, capacity, packets)
                         : clock::duration::zero();
        self->read_ready_ = clock::now();
        if (pause > clock::duration::zero()) std::this_thread::sleep_for(pause);
        self->start_read();
      })));
}

clock::duration client::impl::read_hold(clock::time_point now, std::uint64_t messages) {
  if (!read_batcher_) return options_.read_interval;
  auto hold = read_batcher_->hold_after(now, messages);
  // While the broker owes an answer (a PUBACK for our QoS 1 message, a
  // PUBREL for its QoS 2 one, a SUBACK, a PINGRESP...), the answer must not
  // wait for a hold: a publisher would wait for one per in-flight window,
  // the broker's QoS 2 window would stall, a subscribe would take a hold.
  return session_.awaiting_reply() ? clock::duration::zero() : hold;
}

void client::impl::read_after_interval(bool buffer_had_room, clock::duration hold) {
  if (!stream_open_) return;
  // The rest of a packet, bytes beyond a full buffer, or TLS records
  // behind the one just read, are on their way or waiting already: holding
  // them back would delay one message, a large one read in many pieces once
  // per piece, and a TLS stream (a record per read) to a record per interval.
  if (!buffer_had_room || session_.partial_packet_bytes() > 0 || stream_->input_pending()) {
    read_ready_ = clock::now();
    return start_read();
  }
  auto& t = read_timer_.get();
  t.expires_after(hold);
  read_held_ = true;
  t.async_wait(guarded([self = shared_from_this(), attempt = attempt_](std::error_code ec) {
    if (attempt != self->attempt_ || !self->stream_open_) return;
    // Cancelled by end_read_hold (a stream's close also cancels, but it
    // changes the attempt first): the read is due now.
    if (ec && ec != asio::error::operation_aborted) return;
    self->read_held_ = false;
    self->read_ready_ = clock::now();
    self->start_read();
  }));
}

void client::impl::end_read_hold() {
  if (read_held_ && read_batcher_) read_timer_.cancel();
}

void client::impl::trim_idle() {
  if (actions_.empty()) {  // handled: no view into the session's buffers is left
    std::vector<action>().swap(actions_);
    session_.release_buffers();
  }
  writes_.release_idle();
}

void client::impl::queue_write(const send_bytes& s) {
  // A hold starts only while nothing is owed (read_hold): what is owed now
  // was asked for by a packet of this batch, whose answer must not wait for
  // the hold to end.
  if (read_held_ && session_.awaiting_reply()) end_read_hold();
  // A QoS 1/2 PUBLISH payload lives in the session until the message is
  // acknowledged, which cannot happen before it is written; every other view
  // only lives until the session's next call, so it is copied.
  bool stable = false;
  if (!s.head.empty()) {
    auto first = std::to_integer<unsigned>(s.head[0]);
    auto type = first >> 4;
    auto q = (first >> 1) & 3;
    stable = type == static_cast<unsigned>(packet_type::publish) && q != 0;
    // Across a power loss, each of these would deliver a QoS 2 message twice
    // (or lose one) if it left before the store update that precedes it:
    // a QoS 2 PUBLISH its packet id (message_sent), PUBREL its PUBREC,
    // PUBREC its held inbound id, PUBCOMP that id's release.
    if (store_ && ((type == static_cast<unsigned>(packet_type::publish) && q == 2) ||
                   type == static_cast<unsigned>(packet_type::pubrec) ||
                   type == static_cast<unsigned>(packet_type::pubrel) ||
                   type == static_cast<unsigned>(packet_type::pubcomp)))
      store_->writes_need_sync = true;
  }
  writes_.add(s.head, s.payload, stable);
}

void client::impl::flush_writes() {
  if (store_) sync_before_writes();  // before the bytes that depend on its updates leave
  if (!writes_.in_flight() && stream_open_) {
    if (writes_.has_pending()) start_write(writes_.start());
    else if (close_after_write_) close_stream(close_gracefully_);
  }
  if (stop_) check_stop();  // every batch of events ends here
  if (on_batch_end_) on_batch_end_();
}

void client::impl::start_write(std::span<const asio::const_buffer> buffers) {
  stream_->async_write(
      buffers,
      guarded([self = shared_from_this(), s = stream_, attempt = attempt_](std::error_code ec, std::size_t) {
        if (attempt != self->attempt_) return;
        // A failed write's messages may have been partly written: lost all the same.
        self->writes_.done([&](message_id mid) { self->complete_publish(mid, ec ? make_error_code(errc::link_lost) : ec); });
        if (ec) return self->link_lost(ec);
        self->flush_writes();
      }));
}

void client::impl::link_lost(std::error_code ec) {
  if (!stream_open_) return;
  if (ec == asio::error::eof) ec = errc::link_lost;
  if (session_.is_open()) {
    session_.on_link_lost(ec, clock::now(), actions_);
    run_actions();  // ends in on_closed
  } else {
    close_stream();
  }
}

void client::impl::close_stream(bool after_disconnect) {
  close_after_write_ = false;
  stream_open_ = false;
  writes_.clear([this](message_id mid) { complete_publish(mid, errc::link_lost); });
  ++attempt_;  // completion handlers of the old stream now do nothing
  read_timer_.cancel();  // nothing left to read: it would only hold the client's thread
  read_held_ = false;
  if (stream_ && after_disconnect) {
    // [MQTT-3.14.4-1] the client closes the connection after DISCONNECT; a
    // linger lets the broker read it first (see linger_close).
    ++lingering_;
    transport::stream::linger_close(stream_, std::chrono::seconds(1), [self = shared_from_this()] { self->linger_over(); });
  } else if (stream_) {
    stream_->close();
  }
  stream_.reset();
  connected_ = false;
  if (stop_ && stop_->finishing) post([](impl& self) { self.end_stop(); });
}

void client::impl::schedule_reconnect() {
  if (stop_) {  // the last attempt of a stop failed: nothing more will be delivered
    post([](impl& self) { self.finish_stop(); });
    return;
  }
  if (!want_connection_ || permanent_failure_ || !options_.reconnect.enabled) return;
  auto delay = backoff_.next();
  log(log_level::info, "reconnecting in " + std::to_string(delay.count()) + " ms");
  reconnect_timer_.get().expires_after(delay);
  reconnect_timer_.get().async_wait(guarded([self = shared_from_this()](std::error_code ec) {
    if (ec || !self->want_connection_) return;
    // The closed connection's last write is still under way (a peer that
    // stopped reading): give up on it rather than on reconnecting.
    if (self->stream_ && self->close_after_write_) self->close_stream();
    if (self->stream_) return;  // a connection attempt is under way
    self->brokers_tried_ = 0;
    self->try_broker();
  }));
}

void client::impl::user_disconnect() {
  want_connection_ = false;
  reconnect_timer_.cancel();
  if (session_.is_open()) {
    session_.disconnect(clock::now(), actions_);
    run_actions();
  } else if (stream_) {
    transport_timer_.cancel();
    close_stream();
  }
}

}  // namespace tern
