#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <chrono>
#include <future>

#include "client/client_impl.hpp"
#include "tern/client_async.hpp"
#include "tern/store.hpp"

namespace tern {

namespace {

// Not an operator== of transport_options: client_options derives from it,
// and would compare by its transport part alone.
bool same_transport(const transport_options& a, const transport_options& b) {
  static_assert(sizeof(transport_options) ==
                    sizeof(tls_options) + sizeof(websocket_options) + sizeof(proxy_options) + alignof(transport_options),
                "a field was added to transport_options: compare it here too");
  return a.tls == b.tls && a.websocket == b.websocket && a.proxy == b.proxy && a.tcp_nodelay == b.tcp_nodelay;
}

std::shared_ptr<const transport_options> share(const transport_options& t) {
  static const auto plain = std::make_shared<const transport_options>();
  static const auto plain_delayed = [] {
    transport_options d;
    d.tcp_nodelay = false;
    return std::make_shared<const transport_options>(std::move(d));
  }();
  if (same_transport(t, *plain)) return plain;
  if (same_transport(t, *plain_delayed)) return plain_delayed;
  return std::make_shared<const transport_options>(t);
}

// Thousands of clients made alike (a gateway, a load generator) name the
// same brokers: they share the list the last client made, instead of each
// holding its own copy.
std::shared_ptr<const std::vector<transport::broker_uri>> share_brokers(std::vector<transport::broker_uri> list) {
  static std::mutex m;
  static std::weak_ptr<const std::vector<transport::broker_uri>> last;
  std::lock_guard lock(m);
  if (auto p = last.lock(); p && *p == list) return p;
  auto p = std::make_shared<const std::vector<transport::broker_uri>>(std::move(list));
  last = p;
  return p;
}

}  // namespace

client::impl::impl(asio::io_context::executor_type ex, client_options options, asio::io_context* own)
    : own_ctx_(own),
      strand_(asio::make_strand(ex)),
      options_{options.transport_timeout, options.reconnect, options.read_pause, options.read_interval, options.stop_linger,
               std::move(options.executor_wakeup)},
      transport_(share(options)),
      first_connect_(std::make_unique<connect_options>(std::move(options.connect))),
      session_([&] {
        auto s = options.session;
        s.report_store_updates = options.store != nullptr;
        // A stored message was accepted by publish(): the session must not
        // refuse it later. The client applies the limit itself (client_store.cpp).
        if (options.store) s.max_queued = 0;
        if (s.random_seed == 0) s.random_seed = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
        return s;
      }()),
      session_timer_(strand_),
      backoff_(options_.reconnect.min_delay, options_.reconnect.max_delay, std::random_device{}()) {
  log_mask_ = options.session.log_mask;
  if (own) own_ = std::make_unique<own_thread>(options_.read_pause);
  std::vector<transport::broker_uri> brokers;
  for (const auto& b : options.brokers) {
    auto uri = transport::parse_broker_uri(b, options.websocket.path);
    if (!uri) {
      config_error_ = uri.error();
      last_error_detail_ = "broker URI '" + b + "': " + uri.error().message();
      continue;
    }
    brokers.push_back(std::move(*uri));
  }
  if (brokers.empty() && !config_error_) config_error_ = transport_errc::no_brokers;
  // Beyond a second it is almost surely a slip of units (µs for ms), not a
  // trade worth a PINGRESP read that late; a negative one means nothing.
  // MQTT_READ_INTERVAL has the same bounds.
  if ((options_.read_interval > std::chrono::seconds(1) || options_.read_interval.count() < 0) && !config_error_) {
    config_error_ = errc::invalid_argument;
    last_error_detail_ =
        "read_interval of " + std::to_string(options_.read_interval.count()) + " us: from 0 (off) to 1 s";
  }
  if (options.adaptive_read_interval && options_.read_interval.count() > 0)
    read_batcher_ = std::make_unique<detail::read_batcher>(options_.read_interval);
  brokers_ = share_brokers(std::move(brokers));
  if (options.store) {
    store_ = std::make_unique<store_state>(std::move(options.store));
    // Made here, not at the first sync: ~client looks for it from any
    // thread. Its thread starts at the first sync.
    if (store_->target->defers_sync()) store_->syncer = std::make_unique<detail::store_syncer>();
  }
  if (store_ && options.session.max_queued != 0)
    store_->limit = options.session.max_queued + options.session.max_inflight;
  if (store_ && !config_error_) restore_from_store();
}

namespace {

client_options for_broker(string_ref broker_uri) {
  client_options o;
  o.brokers = {std::string(broker_uri)};
  return o;
}

}  // namespace

client::client(client_options options) {
  auto s = std::make_unique<state>();  // freed if the impl's construction throws
  s->own_ctx = std::make_shared<asio::io_context>(1);
  s->impl = std::make_shared<impl>(s->own_ctx->get_executor(), std::move(options), s->own_ctx.get());
  state_ = s.release();
}

client::client(string_ref broker_uri) : client(for_broker(broker_uri)) {}

client::client(asio::io_context& context, client_options options) {
  auto s = std::make_unique<state>();  // freed if the impl's construction throws
  s->impl = std::make_shared<impl>(context.get_executor(), std::move(options), nullptr);
  state_ = s.release();
}

client::~client() {
  std::unique_ptr<state> s(state_);
  stop();
  if (s->impl->store_ && s->impl->store_->syncer) s->impl->store_->syncer->stop();  // its last sync posts to the strand: done while the io_context exists
  // Handlers still queued in our io_context hold the impl: dropping our
  // reference first lets the io_context's destruction (which destroys those
  // handlers) free it, while the io_context's services still exist. When a
  // callback destroyed the client, its detached thread holds the io_context
  // until the stop is over.
  s->impl.reset();
}

void client::start() {
  auto& i = *state_->impl;
  if (!state_->own_ctx) return;
  std::lock_guard lock(i.own_->lifecycle_m);
  if (i.own_->thread.joinable()) return;
  if (i.own_->exited.valid() && i.own_->exited.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    // A stop asked for from a callback is still under way on the old thread.
    if (i.on_io_thread()) {
      i.post([](impl& self) {
        self.log(log_level::err, "start() from a callback that also stopped the client: ignored; call it once stop() is over");
      });
      return;
    }
    i.own_->exited.wait();
  }
  if (state_->own_ctx->stopped()) state_->own_ctx->restart();
  i.own_->work.emplace(state_->own_ctx->get_executor());
  auto exited = std::make_shared<std::promise<void>>();
  i.own_->exited = exited->get_future().share();
  i.own_->thread = std::thread([ctx = state_->own_ctx, exited, id = i.own_->id] {
#ifdef __linux__
    // The default slack of 50 µs would nearly double a read pause.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
    *id = std::this_thread::get_id();
    ctx->run();
    *id = std::thread::id{};
    exited->set_value();
  });
}

void client::stop() {
  if (state_->impl) stop(state_->impl->options_.stop_linger);
}

void client::stop(milliseconds_arg linger_arg, callback<void()> done) {
  std::chrono::milliseconds linger(linger_arg.count());
  if (!state_->impl) {
    if (done) done();
    return;
  }
  if (state_->own_ctx) {
    stop(linger);
    if (done) done();
    return;
  }
  state_->impl->post([linger, done = std::move(done)](impl& self) mutable { self.begin_stop(linger, std::move(done)); });
}

void client::stop(milliseconds_arg linger_arg) {
  std::chrono::milliseconds linger(linger_arg.count());
  if (!state_->impl) return;
  auto& i = *state_->impl;
  if (!state_->own_ctx) {  // your executor runs it; run() returns once it is over
    i.post([linger](impl& self) { self.begin_stop(linger, {}); });
    return;
  }
  if (i.on_io_thread()) return i.stop_from_callback(linger);
  std::thread t;
  {
    std::lock_guard lock(i.own_->lifecycle_m);
    t = std::move(i.own_->thread);
  }
  auto over = std::make_shared<std::promise<void>>();
  auto stopped = over->get_future();
  i.post([linger, over](impl& self) { self.begin_stop(linger, [over] { over->set_value(); }); });
  // The stop's own bounds: the linger, a second for the DISCONNECT to be
  // written, a second for the broker to close; and a margin.
  auto bound = linger + std::chrono::seconds(3);
  if (t.joinable()) {
    stopped.wait_for(bound);
    {
      // A linger lasts a second at most (linger_close).
      std::unique_lock lock(i.own_->linger_m);
      i.own_->linger_cv.wait_for(lock, std::chrono::milliseconds(1200), [&i] { return i.lingering_ == 0; });
    }
    i.own_->work.reset();
    state_->own_ctx->stop();
    t.join();
    return;
  }
  // No thread runs the strand (never started, or stopped before): this one
  // does, until the stop is over, so that what was published is reported.
  if (i.own_->exited.valid()) i.own_->exited.wait_for(bound);  // a callback's stop, still under way
  if (state_->own_ctx->stopped()) state_->own_ctx->restart();
  auto until = std::chrono::steady_clock::now() + bound;
  while (stopped.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < until)
    state_->own_ctx->run_one_for(std::chrono::milliseconds(10));
  while (i.lingering_ > 0 && std::chrono::steady_clock::now() < until)
    state_->own_ctx->run_one_for(std::chrono::milliseconds(10));
}

void client::connect() {
  // A client that owns its thread needs it running; a callback's connect()
  // runs on it already.
  if (state_->own_ctx && !state_->impl->on_io_thread()) start();
  state_->impl->post([](impl& self) { self.start_connect(); });
}

void client::disconnect() {
  // Through the outbox: a publish made after disconnect() must not leave
  // before the DISCONNECT (nor be written by its caller while it waits).
  state_->impl->push_command([](impl& self) { self.user_disconnect(); });
}

asio::any_io_executor detail::client_access::strand(const client& c) { return c.state_->impl->strand_; }

result<message_id> client::publish(string_ref topic, payload_ref payload, qos q, bool retain) {
  return publish(topic, payload, q, retain, nullptr);
}

result<message_id> client::publish(string_ref topic_ref, payload_ref payload, qos q, bool retain,
                                   callback<void(error_code, message_id)> done) {
  std::string_view topic = topic_ref;
  if (auto ec = validate_topic_name(topic)) return ec;
  if (static_cast<unsigned>(q) > 2) return errc::invalid_qos_argument;
  // Before the payload is copied: a 300 MB payload must not cost 300 MB to refuse.
  if (!codec::encoded_head_size(publish_view{topic, payload.view(), q, retain, false, 1}))
    return errc::payload_too_large;
  message_id mid = state_->impl->session_.next_message_id();
  // Recorded before the call returns: a full disk fails the publish here.
  if (auto ec = state_->impl->store_accepted(mid, topic, payload.view(), q, retain)) return ec;
  detail::outbox_item item{mid, message{std::string(topic), take_payload(payload), q, retain}, std::move(done), {}};
  if (state_->impl->try_publish_inline(item)) return mid;
  state_->impl->outbox_.push(std::move(item), [this] { state_->impl->post([](impl& self) { self.drain_outbox(); }); });
  return mid;
}

result<message_id> client::subscribe(string_ref filter, qos max_qos) {
  return subscribe({filter_qos(filter, max_qos)}, nullptr);
}

result<message_id> client::subscribe(const list_arg<filter_qos>& filters) { return subscribe(filters, nullptr); }

result<message_id> client::subscribe(const list_arg<filter_qos>& list,
                                     callback<void(error_code, array_view<const std::uint8_t>)> done) {
  if (list.items().empty()) return errc::no_topic_filters;
  for (const auto& [f, q] : list.items()) {
    if (auto ec = validate_topic_filter(f)) return ec;
    if (static_cast<unsigned>(q) > 2) return errc::invalid_qos_argument;
  }
  std::vector<std::pair<std::string, qos>> filters;
  filters.reserve(list.items().size());
  for (const auto& [f, q] : list.items()) filters.emplace_back(std::string(f), q);
  message_id mid = state_->impl->session_.next_message_id();
  state_->impl->push_command([mid, filters = std::move(filters), done = std::move(done)](impl& self) mutable {
    if (done) self.requests().subscribe_done.emplace(mid, std::move(done));
    for (const auto& [f, q] : filters) self.requests().subscriptions[f] = q;
    if (self.session_.is_connected()) {
      self.send_subscribe(mid, filters);
      self.run_actions();
    } else {
      self.requests().offline.push_back({mid, true, filters});
    }
  });
  return mid;
}

result<message_id> client::unsubscribe(string_ref filter) { return unsubscribe({filter}, nullptr); }

result<message_id> client::unsubscribe(const list_arg<string_ref>& filters) { return unsubscribe(filters, nullptr); }

result<message_id> client::unsubscribe(const list_arg<string_ref>& list, callback<void(error_code)> done) {
  if (list.items().empty()) return errc::no_topic_filters;
  for (const auto& f : list.items())
    if (auto ec = validate_topic_filter(f)) return ec;
  std::vector<std::string> filters(list.items().begin(), list.items().end());
  message_id mid = state_->impl->session_.next_message_id();
  state_->impl->push_command([mid, filters = std::move(filters), done = std::move(done)](impl& self) mutable {
    if (done) self.requests().unsubscribe_done.emplace(mid, std::move(done));
    for (const auto& f : filters) self.requests().subscriptions.erase(f);
    if (self.session_.is_connected()) {
      self.send_unsubscribe(mid, filters);
      self.run_actions();
    } else {
      detail::request_book::offline_request r{mid, false, {}};
      for (const auto& f : filters) r.filters.emplace_back(f, qos::at_most_once);
      self.requests().offline.push_back(std::move(r));
    }
  });
  return mid;
}

void client::on_persisted(callback<void(message_id)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { 
    if (self.store_) self.store_->on_persisted = std::move(f);  // never called without a store
  });
}

void client::on_connect(callback<void(bool, int)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_connect_ = std::move(f); });
}
void client::on_disconnect(callback<void(error_code)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_disconnect_ = std::move(f); });
}
void client::on_message(callback<void(const message_received&)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_message_ = std::move(f); });
}
void client::on_publish(callback<void(message_id)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_publish_ = std::move(f); });
}
void client::on_subscribe(callback<void(message_id, array_view<const std::uint8_t>)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_subscribe_ = std::move(f); });
}
void client::on_unsubscribe(callback<void(message_id)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_unsubscribe_ = std::move(f); });
}
void client::on_log(callback<void(log_level, string_ref)> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_log_ = std::move(f); });
}
void client::on_batch_end(callback<void()> f) {
  state_->impl->post([f = std::move(f)](impl& self) mutable { self.on_batch_end_ = std::move(f); });
}
void client::set_log_mask(std::uint8_t mask) {
  state_->impl->post([mask](impl& self) {
    self.log_mask_ = mask;
    self.session_.set_log_mask(mask);
  });
}

result<std::uint64_t> client::add_topic_handler(string_ref filter_ref, callback<void(const message_received&)> f) {
  if (auto ec = validate_topic_filter(filter_ref)) return ec;
  std::string filter(filter_ref);
  auto id = state_->impl->topic_handlers_.next_id.fetch_add(1);
  state_->impl->post([id, filter = std::move(filter), fn = std::make_shared<callback<void(const message_received&)>>(
                                                   std::move(f))](impl& self) mutable {
    auto& h = self.topic_handlers_.handlers;
    if (!h) h = std::make_unique<detail::topic_handlers::table>();
    h->trie.insert(filter, detail::topic_handlers::handler{id, std::move(fn)});
    h->filters.emplace(id, std::move(filter));
  });
  return id;
}

void client::remove_topic_handler(std::uint64_t id) {
  state_->impl->post([id](impl& self) {
    auto* h = self.topic_handlers_.handlers.get();
    if (!h) return;
    auto it = h->filters.find(id);
    if (it == h->filters.end()) return;
    h->trie.erase_if(it->second, [id](const detail::topic_handlers::handler& x) { return x.id == id; });
    h->filters.erase(it);
  });
}

error_code client::last_error() const {
  std::lock_guard lock(state_->impl->error_mutex_);
  return state_->impl->last_error_;
}

text client::last_error_detail() const {
  std::lock_guard lock(state_->impl->error_mutex_);
  return text(state_->impl->last_error_detail_);
}

text client::client_id() const {
  std::lock_guard lock(state_->impl->error_mutex_);
  return text(state_->impl->client_id_);
}

bool client::is_connected() const noexcept { return state_->impl->connected_.load(); }

client_stats client::stats() const noexcept {
  const auto& i = *state_->impl;
  client_stats s;
  s.connects = i.connects_.load();
  s.reconnects = s.connects > 0 ? s.connects - 1 : 0;
  s.last_connack_code = i.last_connack_code_.load();
  s.messages_in = i.messages_in_.load();
  s.messages_out = i.messages_out_.load();
  s.inflight = i.inflight_.load();
  s.pending = i.outbox_.publishes();  // before queued: see outbox::publishes
  s.queued = i.queued_.load();
  return s;
}

}  // namespace tern
