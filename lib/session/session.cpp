#include <algorithm>

#include "session/client_id.hpp"
#include "session/session_impl.hpp"
#include "tern/topic.hpp"

namespace tern {

session::impl::impl(const session_options& o)
    : opts_(o),
      decoder_(o.max_packet_size),
      store_(std::min<std::size_t>(std::clamp<std::size_t>(o.max_inflight, 1, detail::packet_id_pool::capacity), 1024)),
      rng_(o.random_seed) {
  opts_.max_inflight = std::clamp<std::size_t>(opts_.max_inflight, 1, detail::packet_id_pool::capacity);
  out_.set_log_mask(o.log_mask);
}

void session::impl::begin(std::vector<action>& out) {
  out_.begin(out);
  sent_qos0_.clear();
}

void session::impl::finish() {
  if (auto d = next_deadline(); d != announced_) {
    announced_ = d;
    out_.emit(arm_timer{d});
  }
  out_.finish();
}

clock::time_point session::impl::next_deadline() const noexcept {
  switch (phase_) {
    case phase::idle: return clock::time_point::max();
    case phase::awaiting_connack: return connack_due_;
    case phase::connected: return keep_alive_.deadline();
  }
  return clock::time_point::max();
}

// A broker that takes the connection and never answers is as dead as one
// that stops answering pings: the keep-alive applies from CONNECT on
// (3.1.2.10), and a client waits as long as a server would for a silent
// client, 1.5 intervals ([MQTT-3.1.2-24]), or the connect timeout if sooner.
std::chrono::milliseconds session::impl::connack_wait(const connect_options& o) noexcept {
  if (o.keep_alive == 0) return o.connect_timeout;
  return std::min(o.connect_timeout, std::chrono::milliseconds(o.keep_alive) * 1500);
}

std::error_code session::impl::connect(const connect_options& o, clock::time_point now) {
  if (phase_ != phase::idle) return errc::already_connected;
  std::string id = o.client_id;
  if (id.empty()) {
    if (!o.clean_session) return errc::client_id_required;  // [MQTT-3.1.3-7]
    id = detail::generate_client_id(rng_);
  } else if (o.version == protocol_version::v3_1 && id.size() > 23) {
    return errc::client_id_invalid;
  }
  connect_view cv;
  cv.version = o.version;
  cv.clean_session = o.clean_session;
  cv.keep_alive = o.keep_alive;
  cv.client_id = id;
  if (o.will) {
    if (auto ec = validate_topic_name(o.will->topic)) return ec;  // [MQTT-3.1.3-10]
    if (static_cast<unsigned>(o.will->qos) > 2) return errc::invalid_qos_argument;  // [MQTT-3.1.2-14]
    cv.will = will_view{o.will->topic, o.will->payload, o.will->qos, o.will->retain};
  }
  if (o.user_name) cv.user_name = *o.user_name;
  if (o.password) cv.password = bytes_view(*o.password);
  if (auto n = codec::encoded_head_size(cv); !n) return n.error();

  conn_ = o;
  client_id_ = std::move(id);
  cv.client_id = client_id_;  // `id` was moved from
  decoder_.reset();
  decoder_.set_version(o.version);
  phase_ = phase::awaiting_connack;
  connack_due_ = now + connack_wait(o);
  out_.log(log_level::debug, "Sending CONNECT (u%d, p%d, wr%d, wq%d, wf%d, c%d, k%u) client_id=b'%s'",
           o.user_name ? 1 : 0, o.password ? 1 : 0, o.will && o.will->retain ? 1 : 0,
           o.will ? static_cast<int>(o.will->qos) : 0, o.will ? 1 : 0, o.clean_session ? 1 : 0,
           static_cast<unsigned>(o.keep_alive), client_id_.c_str());
  send(packet_view{cv}, now);  // [MQTT-3.1.0-1]
  return {};
}

void session::impl::on_connack(const connack_view& c, clock::time_point now) {
  out_.log(log_level::debug, "Received CONNACK (%d, %u)", c.session_present ? 1 : 0,
           static_cast<unsigned>(c.return_code));
  if (c.return_code != 0) {
    auto ec = make_error_code(static_cast<connack_error>(c.return_code));
    out_.emit(connect_refused{c.return_code, ec});
    close(ec, log_level::err, now);  // [MQTT-3.2.2-5]
    return;
  }
  if (conn_.clean_session && c.session_present) {  // [MQTT-3.2.2-1]
    close(errc::protocol_violation, log_level::err, now);
    return;
  }
  phase_ = phase::connected;
  connack_due_ = clock::time_point::max();
  keep_alive_.start(std::chrono::seconds(conn_.keep_alive), conn_.response_timeout, now);
  out_.log(log_level::info, "Connected to the broker (session present: %d)", c.session_present ? 1 : 0);
  out_.emit(connected{c.session_present, 0});
  resume(c.session_present, now);
}

void session::impl::on_timer(clock::time_point now) {
  if (phase_ == phase::awaiting_connack) {
    if (now >= connack_due_) close(errc::connect_timeout, log_level::err, now);
    return;
  }
  if (phase_ != phase::connected) return;
  switch (keep_alive_.check(now)) {
    case detail::keep_alive::due::nothing: break;
    case detail::keep_alive::due::timed_out: close(errc::keep_alive_timeout, log_level::err, now); break;
    case detail::keep_alive::due::send_ping:
      out_.log(log_level::debug, "Sending PINGREQ");
      send(packet_view{pingreq{}}, now);  // [MQTT-3.1.2-23]
      keep_alive_.on_ping_sent(now);
      break;
  }
}

void session::impl::close(std::error_code reason, log_level level, clock::time_point) {
  for (const auto& r : requests_) {
    ids_.release(r.packet_id);
    if (r.subscribe)
      out_.emit(subscribed{r.mid, {}, reason});
    else
      out_.emit(unsubscribed{r.mid, reason});
  }
  requests_.clear();
  phase_ = phase::idle;
  connack_due_ = clock::time_point::max();
  keep_alive_.stop();
  decoder_.reset();
  out_.log(level, "Connection closed: %s", reason.message().c_str());
  out_.emit(connection_closed{reason});
}

// ---- the public face ----------------------------------------------------

session::session(const session_options& options) : impl_(std::make_unique<impl>(options)) {}
session::~session() = default;
session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;

std::error_code session::connect(const connect_options& options, clock::time_point now,
                                 std::vector<action>& out) {
  impl_->begin(out);
  auto ec = impl_->connect(options, now);
  impl_->finish();
  return ec;
}

void session::on_bytes(bytes_view bytes, clock::time_point now, std::vector<action>& out) {
  impl_->begin(out);
  if (impl_->phase_ != phase::idle) {
    impl_->decoder_.feed(bytes);
    impl_->receive(now);
  }
  impl_->finish();
}

std::span<std::byte> session::receive_buffer(std::size_t n) { return impl_->decoder_.prepare(n); }

void session::shrink_receive_buffer(std::size_t n) { impl_->decoder_.shrink(n); }

void session::release_buffers() noexcept { impl_->out_.release(); }

void session::on_received(std::size_t n, clock::time_point now, std::vector<action>& out) {
  impl_->begin(out);
  impl_->decoder_.commit(n);
  if (impl_->phase_ != phase::idle)
    impl_->receive(now);
  else
    impl_->decoder_.reset();
  impl_->finish();
}

void session::on_timer(clock::time_point now, std::vector<action>& out) {
  impl_->begin(out);
  impl_->on_timer(now);
  impl_->finish();
}

void session::on_link_lost(std::error_code reason, clock::time_point now, std::vector<action>& out) {
  impl_->begin(out);
  if (impl_->phase_ != phase::idle) impl_->close(reason ? reason : errc::link_lost, log_level::notice, now);
  impl_->finish();
}

result<message_id> session::publish(message msg, clock::time_point now, std::vector<action>& out,
                                    message_id mid) {
  impl_->begin(out);
  auto r = impl_->publish(std::move(msg), now, mid);
  impl_->finish();
  return r;
}

result<message_id> session::subscribe(std::span<const subscribe_entry> filters, clock::time_point now,
                                      std::vector<action>& out, message_id mid) {
  impl_->begin(out);
  auto r = impl_->subscribe(filters, now, mid);
  impl_->finish();
  return r;
}

result<message_id> session::subscribe(std::string_view filter, tern::qos max_qos, clock::time_point now,
                                      std::vector<action>& out, message_id mid) {
  subscribe_entry e{filter, max_qos};
  return subscribe(std::span(&e, 1), now, out, mid);
}

result<message_id> session::unsubscribe(std::span<const std::string_view> filters, clock::time_point now,
                                        std::vector<action>& out, message_id mid) {
  impl_->begin(out);
  auto r = impl_->unsubscribe(filters, now, mid);
  impl_->finish();
  return r;
}

result<message_id> session::unsubscribe(std::string_view filter, clock::time_point now, std::vector<action>& out,
                                        message_id mid) {
  return unsubscribe(std::span(&filter, 1), now, out, mid);
}

std::error_code session::disconnect(clock::time_point now, std::vector<action>& out) {
  impl_->begin(out);
  std::error_code ec;
  if (impl_->phase_ == phase::idle) {
    ec = errc::not_connected;
  } else {
    if (impl_->phase_ == phase::connected) {
      impl_->out_.log(log_level::debug, "Sending DISCONNECT");
      impl_->send(packet_view{tern::disconnect{}}, now);  // [MQTT-3.14.4-3]
    }
    impl_->close(errc::disconnected, log_level::info, now);  // [MQTT-3.14.4-1], [MQTT-3.14.4-2]
  }
  impl_->finish();
  return ec;
}

void session::abandon_messages(std::vector<message_id>& mids) {
  for (const auto& e : impl_->store_.inflight()) {
    impl_->ids_.release(e.packet_id);
    mids.push_back(e.mid);
  }
  impl_->store_.inflight().clear();
  auto& q = impl_->store_.queue();
  for (; !q.empty(); q.pop_front()) mids.push_back(q.front().mid);
}

std::error_code session::restore(const stored_state& state) { return impl_->restore(state); }

message_id session::next_message_id() noexcept { return impl_->mids_.next(); }

void session::set_log_mask(std::uint8_t mask) noexcept {
  impl_->opts_.log_mask = mask;
  impl_->out_.set_log_mask(mask);
}

clock::time_point session::next_deadline() const noexcept { return impl_->next_deadline(); }
bool session::is_connected() const noexcept { return impl_->phase_ == phase::connected; }
bool session::is_open() const noexcept { return impl_->phase_ != phase::idle; }
std::size_t session::inflight() const noexcept { return impl_->store_.inflight().size(); }
bool session::awaiting_reply() const noexcept {
  const auto& s = *impl_;
  if (s.phase_ == phase::idle) return false;  // what was in flight is owed by the next connection
  return s.phase_ == phase::awaiting_connack || !s.store_.inflight().empty() || s.inbound_.size() != 0 ||
         !s.requests_.empty() || s.keep_alive_.awaiting_pingresp();
}
std::size_t session::max_inflight() const noexcept { return impl_->opts_.max_inflight; }
std::size_t session::queued() const noexcept { return impl_->store_.queued(); }
std::uint64_t session::packets_received() const noexcept { return impl_->packets_received_; }
std::size_t session::partial_packet_bytes() const noexcept { return impl_->decoder_.buffered(); }
std::string_view session::client_id() const noexcept { return impl_->client_id_; }

const connect_options& session::last_connect_options() const noexcept { return impl_->conn_; }

std::string_view to_string(log_level level) noexcept {
  switch (level) {
    case log_level::info: return "INFO";
    case log_level::notice: return "NOTICE";
    case log_level::warning: return "WARNING";
    case log_level::err: return "ERR";
    case log_level::debug: return "DEBUG";
  }
  return "UNKNOWN";
}

}  // namespace tern
