// Opening, reading, writing and closing the connection; reconnecting.

#include <cstring>

#include "client/client_impl.hpp"

namespace tern {

void client::impl::start_connect() {
  if (config_error_) {
    set_error(config_error_, last_error_detail_);
    if (on_disconnect_) on_disconnect_(config_error_);
    return;
  }
  want_connection_ = true;
  permanent_failure_ = false;
  if (stream_ || session_.is_open()) return;  // already connecting or connected
  brokers_tried_ = 0;
  try_broker();
}

void client::impl::try_broker() {
  const auto& uri = brokers_[broker_index_ % brokers_.size()];
  ++attempt_;
  stream_ = std::make_unique<transport::stream>(strand_);
  stream_open_ = false;
  timed_out_ = false;
  const char* scheme = uri.websocket ? (uri.tls ? "wss://" : "ws://") : (uri.tls ? "mqtts://" : "mqtt://");
  log(log_level::info, std::string("connecting to ") + scheme + uri.host + ":" + std::to_string(uri.port) +
                           (uri.websocket ? uri.path : ""));
  if (uri.tls && options_.tls.insecure)
    log(log_level::warning, "TLS insecure mode: the broker's host name is not checked");
  transport_timer_.expires_after(options_.transport_timeout);
  transport_timer_.async_wait([self = shared_from_this(), attempt = attempt_](std::error_code ec) {
    if (ec || attempt != self->attempt_ || self->stream_open_ || !self->stream_) return;
    self->timed_out_ = true;
    self->set_error(transport_errc::connect_timeout, "no connection to the broker within the transport timeout");
    self->stream_->close();  // the pending open completes with operation_aborted
  });
  stream_->async_open(uri, options_,
                      asio::bind_executor(strand_, [self = shared_from_this(), attempt = attempt_](std::error_code ec) {
                        self->on_open(ec, attempt);
                      }));
}

void client::impl::on_open(std::error_code ec, std::uint64_t attempt) {
  if (attempt != attempt_ || !stream_) return;
  transport_timer_.cancel();
  if (ec) {
    if (timed_out_) {
      ec = transport_errc::connect_timeout;
    } else {
      set_error(ec, stream_->detail().empty() ? ec.message() : stream_->detail());
    }
    log(log_level::err, "connection failed: " + last_error_detail_);
    stream_.reset();
    ++broker_index_;
    if (++brokers_tried_ < brokers_.size()) return try_broker();  // failover to the next broker
    if (on_disconnect_) on_disconnect_(ec);
    return schedule_reconnect();
  }
  stream_open_ = true;
  pending_.clear();
  if (auto err = session_.connect(options_.connect, clock::now(), actions_)) {
    set_error(err, "cannot connect: " + err.message());
    log(log_level::err, last_error_detail_);
    permanent_failure_ = true;  // a configuration error: retrying will not help
    close_stream();
    if (on_disconnect_) on_disconnect_(err);
    return;
  }
  run_actions();
  start_read();
}

void client::impl::start_read() {
  if (!stream_open_) return;
  auto buf = session_.receive_buffer(16 * 1024);
  stream_->async_read_some(
      asio::buffer(buf.data(), buf.size()),
      asio::bind_executor(strand_, [self = shared_from_this(), attempt = attempt_](std::error_code ec, std::size_t n) {
        if (attempt != self->attempt_ || !self->stream_open_) return;
        if (ec) return self->link_lost(ec);
        self->session_.on_received(n, clock::now(), self->actions_);
        self->run_actions();
        self->start_read();
      }));
}

void client::impl::queue_write(const send_bytes& s) {
  // Copied: the session's views only live until its next call, and packets
  // that pile up during a write leave together in the next one.
  auto at = pending_.size();
  pending_.resize(at + s.size());
  std::memcpy(pending_.data() + at, s.head.data(), s.head.size());
  if (!s.payload.empty()) std::memcpy(pending_.data() + at + s.head.size(), s.payload.data(), s.payload.size());
}

void client::impl::flush_writes() {
  if (write_in_flight_ || !stream_open_) return;
  if (pending_.empty()) {
    if (close_after_write_) close_stream();
    return;
  }
  std::swap(pending_, writing_);
  write_in_flight_ = true;
  stream_->async_write(
      asio::buffer(writing_),
      asio::bind_executor(strand_, [self = shared_from_this(), attempt = attempt_](std::error_code ec, std::size_t) {
        if (attempt != self->attempt_) return;
        self->write_in_flight_ = false;
        self->writing_.clear();
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

void client::impl::close_stream() {
  close_after_write_ = false;
  stream_open_ = false;
  write_in_flight_ = false;
  pending_.clear();
  writing_.clear();
  ++attempt_;  // completion handlers of the old stream now do nothing
  if (stream_) stream_->close();
  stream_.reset();
  connected_ = false;
}

void client::impl::schedule_reconnect() {
  if (!want_connection_ || permanent_failure_ || !options_.reconnect.enabled) return;
  auto delay = backoff_.next();
  log(log_level::info, "reconnecting in " + std::to_string(delay.count()) + " ms");
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || !self->want_connection_ || self->stream_) return;
    self->brokers_tried_ = 0;
    self->try_broker();
  });
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
