// tern::web::mqtt: the Flask-MQTT-shaped facade over tern::client.

#include "tern/web/mqtt.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <stdexcept>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "tern/client_options.hpp"
#include "tern/web/config.hpp"
#include "tern/topic.hpp"
#include "transport/polled_context.hpp"
#include "web/handler_queue.hpp"
#include "web/settings.hpp"

namespace tern::web {

namespace {

template <class T>
text decimal_text(T n) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  return text(string_ref(buf, static_cast<std::size_t>(r.ptr - buf)));
}

}  // namespace

payload_data::payload_data(double d) : bytes_(decimal_text(d)) {}
text payload_data::signed_decimal(long long n) { return decimal_text(n); }
text payload_data::unsigned_decimal(unsigned long long n) { return decimal_text(n); }

namespace {

template <class F>
struct slot {
  std::uint64_t id;
  F fn;
  std::atomic<bool> removed{false};
  slot(std::uint64_t i, F f) : id(i), fn(std::move(f)) {}
};
template <class F>
using slots = std::vector<std::shared_ptr<slot<F>>>;

template <class F>
bool remove_from(slots<F>& list, std::uint64_t id) {
  auto it = std::find_if(list.begin(), list.end(), [id](const auto& s) { return s->id == id; });
  if (it == list.end()) return false;
  (*it)->removed = true;
  list.erase(it);
  return true;
}

int disconnect_rc(std::error_code ec) {
  if (ec == errc::disconnected) return MQTT_ERR_SUCCESS;
  if (ec.category() == connack_category()) return MQTT_ERR_CONN_REFUSED;
  if (ec == errc::keep_alive_timeout) return MQTT_ERR_KEEPALIVE;
  if (ec == errc::link_lost) return MQTT_ERR_CONN_LOST;
  if (ec.category() == tern_category() || ec.category() == websocket_category()) return MQTT_ERR_PROTOCOL;
  if (is_tls_error(ec)) return MQTT_ERR_TLS;
  return MQTT_ERR_CONN_LOST;
}

std::mutex& clog_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

struct mqtt::impl {
  impl(mqtt& owner, mqtt_options options)
      : owner_(owner), options_(std::move(options)), queue_(make_queue(options_)) {}

  static detail::handler_queue make_queue(const mqtt_options& o) {
    if (o.io_context) {
      if (o.external_dispatch) throw std::invalid_argument("tern::web::mqtt: io_context and external_dispatch exclude each other");
      return detail::handler_queue(o.handler_queue_size,
                                   [ex = o.io_context->get_executor()](std::function<void()> job) { asio::post(ex, std::move(job)); });
    }
    return detail::handler_queue(o.handler_queue_size, o.external_dispatch ? detail::handler_queue::mode::external
                                                                           : detail::handler_queue::mode::own_thread);
  }

  /// With `io_context`: the calling thread runs it, and must not block on
  /// what only it could run.
  bool on_io_threads() const { return options_.io_context && options_.io_context->get_executor().running_in_this_thread(); }

  void check_fork() const {
    if (pid_ != 0 && ::getpid() != pid_)
      throw std::logic_error(
          "tern::web::mqtt: this object was initialised in process " + std::to_string(pid_) +
          " and is used in process " + std::to_string(::getpid()) +
          " (a child after fork()); its connection belongs to the parent. Create a new tern::web::mqtt in the child.");
  }

  // ---- running handlers (handler thread) ----
  template <class F, class... Args>
  void run_all(const slots<F>& list, const Args&... args) {
    std::shared_ptr<const std::any> ud;
    std::shared_ptr<const handler_wrapper> w;
    {
      std::lock_guard lock(m_);
      ud = userdata_;
      w = wrapper_;
    }
    for (const auto& s : list) {
      if (s->removed || destroying_) continue;  // destroying_: owner_ is gone
      auto call = [&] { s->fn(owner_, *ud, args...); };
      invoke_with(w.get(), call);
    }
  }

  template <class F, class... Args>
  void dispatch(slots<F> impl::*list, const Args&... args) {
    slots<F> snapshot;
    {
      std::lock_guard lock(m_);
      snapshot = this->*list;
    }
    run_all(snapshot, args...);
  }

  /// What every message needs besides its on_topic matches, copied once
  /// per change (`message_state_` is dropped by every add, remove,
  /// set_userdata and set_handler_wrapper) instead of once per message.
  struct message_state {
    slots<message_handler> handlers;   // on_message
    slots<message_handler> observers;  // on_every_message
    std::shared_ptr<const std::any> userdata;
    std::shared_ptr<const handler_wrapper> wrapper;
  };

  std::shared_ptr<const message_state> current_message_state() {  // m_ held
    if (!message_state_)
      message_state_ = std::make_shared<const message_state>(
          message_state{message_handlers_, observer_handlers_, userdata_, wrapper_});
    return message_state_;
  }

  /// One handler call, through the wrapper if there is one (no
  /// std::function is built without one); a handler that throws is logged
  /// at ERR and the caller goes on with the next.
  template <class Call>
  void invoke_with(const handler_wrapper* w, Call& call) {
    try {
      if (w && *w) (*w)(std::function<void()>(std::ref(call)));
      else call();
    } catch (const std::exception& e) {
      log(log_level::err, std::string("a handler threw: ") + e.what());
    } catch (...) {
      log(log_level::err, "a handler threw an exception that is not a std::exception");
    }
  }

  void run_message_handlers(const slots<message_handler>& list, const message_state& st, const message& msg) {
    for (const auto& s : list) {
      if (s->removed || destroying_) continue;
      auto call = [&] { s->fn(owner_, *st.userdata, msg); };
      invoke_with(st.wrapper.get(), call);
    }
  }

  void dispatch_message(const message& msg) {
    slots<message_handler> matched;  // on_topic handlers: no allocation when none match
    std::shared_ptr<const message_state> st;
    {
      std::lock_guard lock(m_);
      if (!topic_handlers_.empty())
        topic_handlers_.for_each_match(msg.topic, [&](const auto& s) { matched.push_back(s); });
      st = current_message_state();
    }
    if (matched.size() > 1)
      std::sort(matched.begin(), matched.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
    run_message_handlers(matched.empty() ? st->handlers : matched, *st, msg);
    run_message_handlers(st->observers, *st, msg);
  }

  /// What the network thread needs of the handlers: the arrival observers
  /// only, so that it never holds (and may never be the last to release)
  /// the handler thread's handlers, which a language binding must release
  /// under its own lock.
  struct arrival_state {
    slots<message_handler> observers;  // on_every_message_arrival
    std::shared_ptr<const std::any> userdata;
  };

  /// On the network thread: runs the arrival observers; returns whether to
  /// queue the message for the handler thread.
  bool arrive(const message& msg) {
    std::shared_ptr<const arrival_state> st;
    bool queue;
    {
      std::lock_guard lock(m_);
      if (!arrival_handlers_.empty()) {
        if (!arrival_state_) arrival_state_ = std::make_shared<const arrival_state>(arrival_state{arrival_handlers_, userdata_});
        st = arrival_state_;
      }
      queue = options_.queue_unclaimed_messages || !message_handlers_.empty() || !observer_handlers_.empty() ||
              !topic_handlers_.empty();
    }
    if (!st) return queue;
    {
      // With io_context the destructor does not wait for the strand: it
      // waits for observers under way here, and none starts after it.
      std::lock_guard lock(observing_m_);
      if (destroying_) return queue;
      observing_ = std::this_thread::get_id();
    }
    for (const auto& s : st->observers) {
      if (s->removed || destroying_) continue;
      auto call = [&] { s->fn(owner_, *st->userdata, msg); };
      invoke_with(nullptr, call);
    }
    {
      std::lock_guard lock(observing_m_);
      observing_ = std::thread::id{};
    }
    observing_cv_.notify_all();
    return queue;
  }

  /// With io_context, from the destructor: once `destroying_` is set, waits
  /// for arrival observers under way on the client's strand (not for the
  /// one that destroys its own facade).
  void wait_for_observers() {
    std::unique_lock lock(observing_m_);
    observing_cv_.wait(lock, [this] {
      return observing_ == std::thread::id{} || observing_ == std::this_thread::get_id();
    });
  }

  /// A handler, the userdata or the wrapper changed: the cached states go.
  void handlers_changed() {  // m_ held
    message_state_.reset();
    arrival_state_.reset();
  }

  // ---- events (network thread, or any thread for log) ----
  /// `wake` false: from the client's callbacks, whose batch ends in
  /// `queue_.wake()` (on_batch_end): one wake-up of the handler thread (or
  /// the event loop polling `dispatch_fd`) per read, not per message.
  void push(std::function<void()> task, bool droppable, bool wake = true) {
    if (queue_.push(std::move(task), droppable, wake) == detail::handler_queue::push_result::dropped_first) {
      std::string text = "handler queue full (" + std::to_string(options_.handler_queue_size) +
                         " events): dropping new messages and log lines until it drains; " +
                         std::to_string(queue_.dropped()) + " dropped so far";
      write_clog(log_level::warning, text);
      queue_.push([this, text] { dispatch(&impl::log_handlers_, log_level::warning, text); }, false);
    }
  }

  void write_clog(log_level level, std::string_view text) const {
    if (!options_.mqtt_logging) return;
    std::lock_guard lock(clog_mutex());
    std::clog << "[tern.web] " << to_string(level) << ' ' << text << '\n';
  }

  void log(log_level level, std::string text) {
    // While the object is destroyed no handler hears a problem: stderr does.
    if (destroying_ && (level == log_level::err || level == log_level::warning)) {
      std::lock_guard lock(clog_mutex());
      std::clog << "[tern.web] " << to_string(level) << ' ' << text << '\n';
      return;
    }
    write_clog(level, text);
    push([this, level, text = std::move(text)] { dispatch(&impl::log_handlers_, level, text); }, true);
  }

  void connected(bool session_present) {
    {
      std::lock_guard lock(m_);
      connected_ = true;
      flags_ = connect_flags{session_present};
      queue_.push([this, snapshot = connect_handlers_, f = flags_] { run_all(snapshot, f, 0); }, false);
    }
    attempt_ended();
  }

  void refused(int rc) {
    std::lock_guard lock(m_);
    // Flask-MQTT's docs: check rc in on_connect. The disconnect that
    // follows calls no disconnect handler: no connection was established.
    queue_.push([this, snapshot = connect_handlers_, rc] { run_all(snapshot, connect_flags{}, rc); }, false);
  }

  /// The levels the client emits: paho's DEBUG lines only for a reader.
  std::uint8_t wanted_log_mask() const {  // m_ held
    std::uint8_t mask = 0x0F;
    if (options_.mqtt_logging) mask |= static_cast<std::uint8_t>(log_level::debug);
    for (const auto& [id, levels] : log_levels_) mask |= levels;
    return mask;
  }
  void update_log_mask() {  // m_ held
    auto mask = wanted_log_mask();
    if (mask == log_mask_) return;
    log_mask_ = mask;
    if (client_) client_->set_log_mask(mask);
  }

  void disconnected(std::error_code ec) {
    {
      std::lock_guard lock(m_);
      bool was = connected_;
      connected_ = false;
      if (was) queue_.push([this, rc = disconnect_rc(ec)] { dispatch(&impl::disconnect_handlers_, rc); }, false);
    }
    attempt_ended();
  }

  void attempt_ended() {
    std::lock_guard lock(attempt_m_);
    attempt_done_ = true;
    attempt_cv_.notify_all();
  }

  std::string broker_filter(const std::string& f) const {
    if (shared_group_.empty() || split_shared_subscription(f)) return f;
    return "$share/" + shared_group_ + "/" + f;
  }

  template <class F>
  handler_id add(slots<F> impl::*list, F f) {
    check_fork();
    if (!f) throw std::invalid_argument("tern::web::mqtt: empty handler");
    auto id = next_id_++;
    std::lock_guard lock(m_);
    (this->*list).push_back(std::make_shared<slot<F>>(id, std::move(f)));
    handlers_changed();
    return handler_id{id};
  }

  mqtt& owner_;
  const mqtt_options options_;
  // Set by init_app, read by every call: run_pending may run meanwhile.
  std::atomic<pid_t> pid_{0};  // the process that owns the connection
  std::atomic<std::uint64_t> next_id_{1};

  mutable std::mutex m_;  // everything below, except the queue and the client
  slots<connect_handler> connect_handlers_;
  slots<disconnect_handler> disconnect_handlers_;
  slots<message_handler> message_handlers_;
  slots<message_handler> observer_handlers_;  // on_every_message
  slots<message_handler> arrival_handlers_;   // on_every_message_arrival
  slots<publish_handler> publish_handlers_;
  slots<subscribe_handler> subscribe_handlers_;
  slots<unsubscribe_handler> unsubscribe_handlers_;
  slots<log_handler> log_handlers_;
  topic_trie<std::shared_ptr<slot<message_handler>>> topic_handlers_;
  std::map<std::uint64_t, std::string> topic_filters_;  // handler id -> filter
  std::shared_ptr<const handler_wrapper> wrapper_;
  std::shared_ptr<const std::any> userdata_ = std::make_shared<const std::any>();
  std::shared_ptr<const message_state> message_state_;  // built on demand; see current_message_state
  std::shared_ptr<const arrival_state> arrival_state_;  // built on demand; see arrive
  std::map<std::string, topic_qos> topics_;
  struct held {
    std::size_t count = 0;
    int qos = 0;
    bool own = false;  // this hold subscribed the broker: no subscription of the application covered it
  };
  std::map<std::string, held, std::less<>> held_;  // hold_subscription, by filter

  /// Whether a subscription of the application reaches every message of `f`.
  bool covered_by_topics(std::string_view f) const {  // m_ held
    return std::any_of(topics_.begin(), topics_.end(), [f](const auto& t) { return covers(t.first, f); });
  }
  /// Subscribes the holds no subscription of the application covers any more.
  void subscribe_uncovered_holds() {  // m_ held
    for (auto& [f, h] : held_)
      if (!h.own && !covered_by_topics(f)) {
        h.own = true;
        if (client_) (void)client_->subscribe(broker_filter(f), static_cast<tern::qos>(h.qos));
      }
  }
  bool connected_ = false;
  connect_flags flags_;
  std::string shared_group_;
  std::size_t max_queued_ = 0;
  std::string client_id_;
  std::map<std::uint64_t, std::uint8_t> log_levels_;  // log handler id -> levels it takes
  std::uint8_t log_mask_ = 0x0F;                      // what the client was told to emit
  std::chrono::milliseconds stop_linger_{std::chrono::seconds(5)};
  std::atomic<bool> destroying_{false};  // by one of its own handlers
  std::mutex observing_m_;
  std::condition_variable observing_cv_;
  std::thread::id observing_;  // the thread running arrival observers, while one does

  std::mutex attempt_m_;
  std::condition_variable attempt_cv_;
  bool attempt_done_ = false;

  detail::handler_queue queue_;
  // external_io: the client's io_context, run by run_pending's thread.
  std::unique_ptr<transport::polled_context> polled_ = [this] {
    if (!options_.external_io) return std::unique_ptr<transport::polled_context>();
    if (!options_.external_dispatch)
      throw std::invalid_argument("tern::web::mqtt: external_io needs external_dispatch");
    auto p = std::make_unique<transport::polled_context>();
    p->watch(queue_.fd());
    // A loop blocked by a handler for longer than this still has its
    // connection served: keep-alive, acknowledgements, reads.
    p->start_stand_in(std::chrono::milliseconds(200));
    return p;
  }();
  std::unique_ptr<tern::client> client_;  // set once by init_app, under m_
  // The same client for the calls that read it without m_ (publish, status,
  // ...): another thread may be inside init_app meanwhile.
  std::atomic<tern::client*> live_client_{nullptr};
  tern::client* client() const noexcept { return live_client_.load(std::memory_order_acquire); }
  // What the client's callbacks reach this impl through. With io_context,
  // the client's stop outlives the facade's destructor: the impl goes when
  // that stop ends, and the link is cleared first, on the client's strand,
  // so that nothing the client does afterwards reaches it.
  struct client_link {
    impl* i;
  };
  std::shared_ptr<client_link> link_ = std::make_shared<client_link>(client_link{this});

  /// With io_context: the client's stop, ending on the io_context; `p`
  /// (this impl, released by its owner) is deleted when it is over.
  static void stop_then_delete(impl* p) {
    if (!p->client_) return delete p;
    auto* c = p->client_.get();
    c->stop(p->stop_linger_, [p] {
      p->link_->i = nullptr;
      delete p;  // and the client, from its own callback: allowed
    });
  }

  /// external_io: runs the client's I/O on this thread until `over()` or
  /// `bound` passes. Safe beside run_pending on the loop's thread: Asio
  /// runs handlers of several threads, the client's strand keeps them apart.
  template <class Pred>
  void drive_until(Pred over, std::chrono::steady_clock::duration bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!over() && std::chrono::steady_clock::now() < deadline)
      polled_->run_one_for(std::chrono::milliseconds(10));
  }

  /// The client's stop, waited for: with external_io, driven here; with
  /// io_context, waited for unless this thread runs it.
  void stop_client(std::chrono::milliseconds linger) {
    if (options_.io_context) {
      auto over = std::make_shared<std::promise<void>>();
      auto done = over->get_future();
      client_->stop(linger, [over] { over->set_value(); });
      // The stop's own bounds (see tern::client::stop) and a margin.
      if (!on_io_threads()) done.wait_for(linger + std::chrono::seconds(3));
      return;
    }
    if (!polled_) return client_->stop(linger);
    auto over = std::make_shared<std::atomic<bool>>(false);
    client_->stop(linger, [over, p = polled_.get()] {
      *over = true;
      p->wake();  // the thread driving may be blocked in the reactor
    });
    // The stop's own bounds (see tern::client::stop) and a margin.
    drive_until([&over] { return over->load(); }, linger + std::chrono::seconds(3));
  }
};

mqtt::mqtt(mqtt_options options) : impl_(new impl(*this, std::move(options))) {}

mqtt::~mqtt() {
  auto& i = *impl_;
  if (i.pid_ != 0 && ::getpid() != i.pid_) {
    // A child after fork(): the threads are the parent's; joining them would hang.
    impl_ = nullptr;  // leaked on purpose
    return;
  }
  // From here on no handler runs: they would get a dangling `mqtt&`, and
  // state they use may be gone already. The client still delivers what was
  // published; what it cannot is written to stderr (see log).
  i.destroying_ = true;
  if (i.options_.io_context) {
    // No wait but for an arrival observer under way: the stop ends on the
    // io_context and takes the impl with it (stop_then_delete), after the
    // handler running now, if any (on this thread or another).
    {
      std::lock_guard lock(i.observing_m_);
      i.destroying_ = true;
    }
    i.wait_for_observers();
    i.queue_.stop_then([p = std::exchange(impl_, nullptr)] { impl::stop_then_delete(p); });
    return;
  }
  if (i.queue_.on_handler_thread()) {
    // A handler destroys its own object: the handler thread cannot join
    // itself. The rest goes when the running handler returns.
    i.queue_.stop_from_task([p = std::exchange(impl_, nullptr)] { delete p; });
    if (i.client_) i.stop_client(i.stop_linger_);
    return;
  }
  if (i.client_) i.stop_client(i.stop_linger_);
  i.queue_.stop();
  i.client_.reset();
  delete std::exchange(impl_, nullptr);
}

void mqtt::init_app(const config_source& config) { init_app(config, impl_->options_.config_prefix); }

void mqtt::init_app(const config_source& config, string_ref prefix) {
  std::string config_prefix(prefix);
  auto& i = *impl_;
  i.check_fork();
  if (i.client_) throw std::logic_error("tern::web::mqtt: init_app called twice");
  std::vector<detail::diagnostic> diags;
  auto s = detail::read_settings(config, config_prefix, diags);
  auto o = detail::to_client_options(s, config_prefix, detail::template_values_now());
  for (auto& d : diags) i.log(d.level, std::move(d.text));

  {
    std::lock_guard lock(i.m_);
    o.session.log_mask = i.log_mask_ = i.wanted_log_mask();
  }
  std::unique_ptr<tern::client> c;
  if (i.options_.io_context) {
    c = std::make_unique<tern::client>(*i.options_.io_context, o);
  } else if (i.polled_) {
    o.executor_wakeup = [p = i.polled_.get()] { p->wake(); };
    c = std::make_unique<tern::client>(i.polled_->context(), o);
  } else {
    c = std::make_unique<tern::client>(o);
  }
  // Each callback reaches the impl through its link (see client_link).
  auto linked = [l = i.link_](auto f) {
    return [l, f = std::move(f)](auto&&... args) {
      if (auto* ip = l->i) f(*ip, std::forward<decltype(args)>(args)...);
    };
  };
  c->on_connect(linked([](impl& i, bool sp, int rc) { rc == 0 ? i.connected(sp) : i.refused(rc); }));
  c->on_disconnect(linked([](impl& i, std::error_code ec) { i.disconnected(ec); }));
  c->on_message(linked([](impl& i, const message_received& m) {
    message msg{text(m.topic),
                text(string_ref(reinterpret_cast<const char*>(m.payload.data()), m.payload.size())),
                static_cast<int>(m.qos),
                m.retain,
                m.dup,
                m.packet_id,
                std::chrono::steady_clock::now()};
    if (i.arrive(msg)) i.push([&i, msg = std::move(msg)] { i.dispatch_message(msg); }, true, false);
  }));
  c->on_publish(linked(
      [](impl& i, message_id mid) { i.push([&i, mid] { i.dispatch(&impl::publish_handlers_, mid); }, false, false); }));
  c->on_batch_end(linked([](impl& i) { i.queue_.wake(); }));
  c->on_subscribe(linked([](impl& i, message_id mid, std::span<const std::uint8_t> granted) {
    std::vector<int> g(granted.begin(), granted.end());
    i.push([&i, mid, g = std::move(g)] { i.dispatch(&impl::subscribe_handlers_, mid, g); }, false);
  }));
  c->on_unsubscribe(linked(
      [](impl& i, message_id mid) { i.push([&i, mid] { i.dispatch(&impl::unsubscribe_handlers_, mid); }, false); }));
  c->on_log(linked([](impl& i, log_level level, std::string_view text) { i.log(level, std::string(text)); }));
  c->start();
  {
    std::lock_guard lock(i.m_);
    i.shared_group_ = s.shared_group;
    i.max_queued_ = s.max_queued;
    i.client_id_ = o.connect.client_id;
    i.stop_linger_ = o.stop_linger;
    i.pid_ = ::getpid();
    // Subscriptions made before init_app: sent after the first CONNACK.
    std::vector<std::pair<std::string, qos>> wanted;
    for (const auto& [f, t] : i.topics_) wanted.emplace_back(i.broker_filter(f), static_cast<qos>(t.qos));
    for (auto& [f, h] : i.held_)
      if (h.own) wanted.emplace_back(i.broker_filter(f), static_cast<qos>(h.qos));
    if (!wanted.empty()) (void)c->subscribe(std::move(wanted));
    i.client_ = std::move(c);
    i.live_client_.store(i.client_.get(), std::memory_order_release);
  }
  i.client_->connect();
  if (i.options_.connect_async || i.on_io_threads()) return;
  auto bound = s.connection_timeout * 2 + std::chrono::seconds(1);
  if (i.polled_) {
    i.drive_until(
        [&i] {
          std::lock_guard lock(i.attempt_m_);
          return i.attempt_done_;
        },
        bound);
    return;
  }
  std::unique_lock lock(i.attempt_m_);
  i.attempt_cv_.wait_for(lock, bound, [&i] { return i.attempt_done_; });
}

void mqtt::disconnect() {
  impl_->check_fork();
  if (auto* c = impl_->client()) c->disconnect();
}

void mqtt::stop() { stop(impl_->stop_linger_); }

void mqtt::stop(milliseconds_arg linger_arg) {
  std::chrono::milliseconds linger(linger_arg.count());
  auto& i = *impl_;
  i.check_fork();
  if (!i.client()) return;
  i.stop_client(linger);
  // The stop's own events (on_publish, the ERR line of what was not
  // delivered) reach the handlers before it returns: a marker queued behind
  // them says when. Not from a handler: it would wait for itself.
  if (i.options_.external_dispatch || i.queue_.on_handler_thread() || i.on_io_threads()) return;
  auto reached = std::make_shared<std::promise<void>>();
  auto ran = reached->get_future();
  if (i.queue_.push([reached] { reached->set_value(); }, false) != detail::handler_queue::push_result::queued) return;
  if (ran.wait_for(std::chrono::seconds(1)) != std::future_status::ready)
    i.log(log_level::warning,
          "stop(): a handler has been running for over a second; the stop's own events reach the handlers after it");
}

handler_id mqtt::on_connect(connect_handler f) {
  auto& i = *impl_;
  auto id = i.add(&impl::connect_handlers_, std::move(f));
  std::lock_guard lock(i.m_);
  if (i.connected_) {
    // Unlike Flask-MQTT's, a handler registered after the CONNACK still hears
    // of it. Found by id: another thread may have registered one since add.
    auto& list = i.connect_handlers_;
    auto s = std::find_if(list.begin(), list.end(), [&id](const auto& h) { return h->id == id.value; });
    if (s != list.end())
      i.queue_.push([&i, s = *s, f = i.flags_] { i.run_all(slots<connect_handler>{s}, f, 0); }, false);
  }
  return id;
}
handler_id mqtt::on_disconnect(disconnect_handler f) { return impl_->add(&impl::disconnect_handlers_, std::move(f)); }
handler_id mqtt::on_message(message_handler f) { return impl_->add(&impl::message_handlers_, std::move(f)); }
handler_id mqtt::on_every_message(message_handler f) {
  return impl_->add(&impl::observer_handlers_, std::move(f));
}
handler_id mqtt::on_every_message_arrival(message_handler f) {
  return impl_->add(&impl::arrival_handlers_, std::move(f));
}
handler_id mqtt::on_publish(publish_handler f) { return impl_->add(&impl::publish_handlers_, std::move(f)); }
handler_id mqtt::on_subscribe(subscribe_handler f) { return impl_->add(&impl::subscribe_handlers_, std::move(f)); }
handler_id mqtt::on_unsubscribe(unsubscribe_handler f) {
  return impl_->add(&impl::unsubscribe_handlers_, std::move(f));
}
handler_id mqtt::on_log(log_handler f) { return on_log(std::move(f), 0x1F); }

handler_id mqtt::on_log(log_handler f, std::uint8_t levels) {
  auto& i = *impl_;
  if (!f) throw std::invalid_argument("tern::web::mqtt: empty handler");
  levels &= 0x1F;
  if (levels != 0x1F)
    f = [levels, f = std::move(f)](mqtt& c, const std::any& u, log_level l, const std::string& buf) {
      if (levels & static_cast<std::uint8_t>(l)) f(c, u, l, buf);
    };
  auto id = i.add(&impl::log_handlers_, std::move(f));
  std::lock_guard lock(i.m_);
  i.log_levels_[id.value] = levels;
  i.update_log_mask();
  return id;
}

handler_id mqtt::on_topic(string_ref filter_ref, message_handler f) {
  std::string_view filter = filter_ref;
  auto& i = *impl_;
  i.check_fork();
  if (!f) throw std::invalid_argument("tern::web::mqtt: empty handler");
  if (auto ec = validate_topic_filter(filter))
    throw std::invalid_argument("tern::web::mqtt::on_topic: '" + std::string(filter) + "': " + ec.message());
  auto id = i.next_id_++;
  std::lock_guard lock(i.m_);
  i.topic_handlers_.insert(filter, std::make_shared<slot<message_handler>>(id, std::move(f)));
  i.topic_filters_.emplace(id, std::string(filter));
  return handler_id{id};
}

bool mqtt::remove_handler(handler_id id) {
  auto& i = *impl_;
  i.check_fork();
  std::lock_guard lock(i.m_);
  i.handlers_changed();
  if (i.log_levels_.erase(id.value)) i.update_log_mask();
  if (auto it = i.topic_filters_.find(id.value); it != i.topic_filters_.end()) {
    i.topic_handlers_.erase_if(it->second, [&](const auto& s) {
      if (s->id != id.value) return false;
      s->removed = true;
      return true;
    });
    i.topic_filters_.erase(it);
    return true;
  }
  return remove_from(i.connect_handlers_, id.value) || remove_from(i.disconnect_handlers_, id.value) ||
         remove_from(i.message_handlers_, id.value) || remove_from(i.observer_handlers_, id.value) ||
         remove_from(i.arrival_handlers_, id.value) ||
         remove_from(i.publish_handlers_, id.value) ||
         remove_from(i.subscribe_handlers_, id.value) || remove_from(i.unsubscribe_handlers_, id.value) ||
         remove_from(i.log_handlers_, id.value);
}

void mqtt::set_handler_wrapper(handler_wrapper wrapper) {
  impl_->check_fork();
  auto w = wrapper ? std::make_shared<const handler_wrapper>(std::move(wrapper)) : nullptr;
  std::lock_guard lock(impl_->m_);
  impl_->wrapper_ = std::move(w);
  impl_->handlers_changed();
}

void mqtt::set_userdata(std::any userdata) {
  impl_->check_fork();
  auto u = std::make_shared<const std::any>(std::move(userdata));
  std::lock_guard lock(impl_->m_);
  impl_->userdata_ = std::move(u);
  impl_->handlers_changed();
}

mqtt_result mqtt::publish(string_ref topic, const payload_data& payload, int qos, bool retain) {
  auto& i = *impl_;
  i.check_fork();
  if (qos < 0 || qos > 2 || validate_topic_name(topic)) return {MQTT_ERR_INVAL, 0};
  auto* c = i.client();
  if (!c) return {MQTT_ERR_NO_CONN, 0};
  bool connected = c->is_connected();
  if (i.max_queued_ != 0) {
    // Offline, every publish queues: those not yet taken up by the client
    // count too, so that back-to-back publishes see each other. Connected
    // (the hot path), publishes mostly leave at once: the queue counts.
    auto st = c->stats();
    if (st.queued + (connected ? 0 : st.pending) >= i.max_queued_) return {MQTT_ERR_QUEUE_SIZE, 0};
  }
  auto r = c->publish(topic, string_ref(payload.bytes()), static_cast<tern::qos>(qos), retain);
  if (!r) return {MQTT_ERR_INVAL, 0};
  return {connected ? MQTT_ERR_SUCCESS : MQTT_ERR_QUEUED, *r};
}

mqtt_result mqtt::subscribe(string_ref topic, int qos) { return subscribe({topic_qos{text(topic), qos}}); }

mqtt_result mqtt::subscribe(const list_arg<topic_qos>& list) {
  auto topics = list.items();
  auto& i = *impl_;
  i.check_fork();
  if (topics.empty()) return {MQTT_ERR_INVAL, 0};
  for (const auto& t : topics)
    if (t.qos < 0 || t.qos > 2 || validate_topic_filter(t.topic)) return {MQTT_ERR_INVAL, 0};
  std::lock_guard lock(i.m_);
  for (const auto& t : topics) i.topics_[std::string(t.topic)] = t;
  if (!i.client_) return {MQTT_ERR_NO_CONN, 0};
  std::vector<std::pair<std::string, tern::qos>> wanted;
  for (const auto& t : topics) wanted.emplace_back(i.broker_filter(t.topic), static_cast<tern::qos>(t.qos));
  bool connected = i.client_->is_connected();
  auto r = i.client_->subscribe(std::move(wanted));
  if (!r) return {MQTT_ERR_INVAL, 0};
  return {connected ? MQTT_ERR_SUCCESS : MQTT_ERR_NO_CONN, *r};
}

mqtt_result mqtt::unsubscribe(string_ref topic_ref) {
  std::string_view topic = topic_ref;
  auto& i = *impl_;
  i.check_fork();
  std::lock_guard lock(i.m_);
  auto it = i.topics_.find(std::string(topic));
  if (it == i.topics_.end()) return {MQTT_ERR_NOT_FOUND, 0};
  i.topics_.erase(it);
  if (!i.client_) return {MQTT_ERR_NO_CONN, 0};
  bool connected = i.client_->is_connected();
  mqtt_err ok = connected ? MQTT_ERR_SUCCESS : MQTT_ERR_NO_CONN;
  if (auto h = i.held_.find(topic); h != i.held_.end()) {
    h->second.own = true;  // still shown somewhere: the hold keeps the broker's subscription
    i.subscribe_uncovered_holds();
    return {ok, 0};
  }
  auto r = i.client_->unsubscribe(i.broker_filter(std::string(topic)));
  i.subscribe_uncovered_holds();
  if (!r) return {MQTT_ERR_INVAL, 0};
  return {ok, *r};
}

bool mqtt::unsubscribe_all() {
  bool all = true;
  for (const auto& t : topics()) {
    auto r = unsubscribe(t.topic).result;
    all &= r == MQTT_ERR_SUCCESS || r == MQTT_ERR_NO_CONN;
  }
  return all;
}

topic_list mqtt::topics() const {
  impl_->check_fork();
  std::lock_guard lock(impl_->m_);
  topic_list out(impl_->topics_.size());
  std::size_t n = 0;
  for (const auto& [f, t] : impl_->topics_) out[n++] = topic_qos{text(f), t.qos};
  return out;
}

bool mqtt::hold_subscription(string_ref filter_ref, int qos) {
  std::string_view filter = filter_ref;
  auto& i = *impl_;
  i.check_fork();
  if (qos < 0 || qos > 2 || validate_topic_filter(filter)) return false;
  std::lock_guard lock(i.m_);
  auto it = i.held_.find(filter);
  if (it == i.held_.end()) it = i.held_.emplace(std::string(filter), impl::held{0, qos, false}).first;
  // What a subscription of the application already brings needs no other:
  // a second, overlapping one would make the broker send messages twice, or
  // at another QoS.
  if (it->second.count++ == 0 && !i.covered_by_topics(it->first)) {
    it->second.own = true;
    if (i.client_) (void)i.client_->subscribe(i.broker_filter(it->first), static_cast<tern::qos>(qos));
  }
  return true;
}

void mqtt::release_subscription(string_ref filter_ref) {
  std::string_view filter = filter_ref;
  auto& i = *impl_;
  i.check_fork();
  std::lock_guard lock(i.m_);
  auto it = i.held_.find(filter);
  if (it == i.held_.end() || --it->second.count > 0) return;
  std::string f = it->first;
  bool own = it->second.own;
  i.held_.erase(it);
  if (own && !i.topics_.contains(f) && i.client_) (void)i.client_->unsubscribe(i.broker_filter(f));
}

std::size_t mqtt::run_pending(std::size_t max) {
  impl_->check_fork();
  // From a handler it would run later events inside an earlier one, and
  // end the run of the handler that called it.
  if (!impl_->options_.external_dispatch || impl_->queue_.on_handler_thread()) return 0;
  if (auto* p = impl_->polled_.get()) {
    auto& q = impl_->queue_;
    q.hold_signal(true);  // what the I/O queues runs next, below
    // Reads stop while enough events wait: a backlog the broker sends
    // faster than the handlers take it waits in the socket (TCP flow
    // control holds the broker back), not in a queue that would overflow.
    auto room = std::min<std::size_t>(1024, impl_->options_.handler_queue_size / 2 + 1);
    p->run_ready([&q, room] { return q.size() < room; });
    q.hold_signal(false);
  }
  return impl_->queue_.run_pending(max);
}

bool mqtt::wait_pending(int timeout_ms) {
  auto& i = *impl_;
  i.check_fork();
  if (!i.options_.external_dispatch) return false;
  if (!i.polled_) return i.queue_.wait_pending(timeout_ms);
  i.drive_until([&i] { return i.queue_.stopped() || i.queue_.size() > 0; },
                timeout_ms < 0 ? std::chrono::steady_clock::duration::max() / 2
                               : std::chrono::steady_clock::duration(std::chrono::milliseconds(timeout_ms)));
  return !i.queue_.stopped() && i.queue_.size() > 0;
}

int mqtt::dispatch_fd() const noexcept { return impl_->polled_ ? impl_->polled_->fd() : impl_->queue_.fd(); }

bool mqtt::wait_idle(int timeout_ms) const { return impl_->queue_.wait_idle(timeout_ms); }

status_info mqtt::status() const {
  auto& i = *impl_;
  i.check_fork();
  status_info s;
  s.dropped = i.queue_.dropped();
  auto* client = i.client();
  if (!client) return s;
  auto c = client->stats();
  s.connected = client->is_connected();
  s.reconnects = c.reconnects;
  s.inflight = c.inflight;
  s.queued = c.queued + c.pending;  // those the client has not taken up yet wait too
  s.last_connack_code = c.last_connack_code;
  s.messages_in = c.messages_in;
  s.messages_out = c.messages_out;
  return s;
}

error_code mqtt::last_error() const {
  impl_->check_fork();
  auto* c = impl_->client();
  return c ? c->last_error() : error_code{};
}

text mqtt::last_error_detail() const {
  impl_->check_fork();
  auto* c = impl_->client();
  return c ? c->last_error_detail() : text();
}

text mqtt::client_id() const {
  impl_->check_fork();
  std::lock_guard lock(impl_->m_);
  if (!impl_->client_id_.empty() || !impl_->client_) return text(impl_->client_id_);
  return impl_->client_->client_id();  // generated by the session
}

}  // namespace tern::web
