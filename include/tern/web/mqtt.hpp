#pragma once
// tern::web::mqtt: Flask-MQTT's API in C++, framework-neutral. Configure it
// from any config source (an app's config, the environment, a file), register
// handlers named as in Flask-MQTT, publish and subscribe. See docs/web.md and
// docs/migrating-from-flask-mqtt.md.
//
//   tern::web::mqtt mqtt;                                   // factory pattern: create first
//   mqtt.on_connect([](auto& m, auto&, auto, int) { m.subscribe("home/mytopic"); });
//   mqtt.on_message([](auto&, auto&, const tern::web::message& msg) { ... });
//   mqtt.init_app(app);                                     // app.config() holds MQTT_* keys
//   mqtt.publish("home/mytopic", "hello world");

//
// Light on purpose: of the standard library it includes only <any> (the
// handlers' userdata) and small headers; strings, callbacks, errors and
// lists are tern's own types, which convert to and from the standard ones
// (docs/client.md, "Two headers"). The configuration sources are in
// <tern/web/config.hpp>.

#include <any>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "tern/array_view.hpp"
#include "tern/callback.hpp"
#include "tern/core_types.hpp"
#include "tern/error_code.hpp"
#include "tern/list_arg.hpp"
#include "tern/milliseconds_arg.hpp"
#include "tern/owned_array.hpp"
#include "tern/steady_time.hpp"
#include "tern/string_ref.hpp"
#include "tern/text.hpp"

namespace asio {
class io_context;
}

namespace tern::web {

class config_source;  // <tern/web/config.hpp>

/// Result codes of publish/subscribe/unsubscribe, with paho's (and so
/// Flask-MQTT's) names and values, plus tern's `MQTT_ERR_QUEUED`.
enum mqtt_err : int {
  MQTT_ERR_AGAIN = -1,
  MQTT_ERR_SUCCESS = 0,        ///< sent (or, for subscribe, sent now)
  MQTT_ERR_NOMEM = 1,
  MQTT_ERR_PROTOCOL = 2,       ///< on_disconnect: the broker broke the protocol
  MQTT_ERR_INVAL = 3,          ///< an invalid topic, filter or QoS; nothing done
  MQTT_ERR_NO_CONN = 4,        ///< not connected: a subscription is remembered and sent once connected
  MQTT_ERR_CONN_REFUSED = 5,   ///< on_disconnect: the broker refused the CONNECT
  MQTT_ERR_NOT_FOUND = 6,      ///< unsubscribe of a filter that is not subscribed
  MQTT_ERR_CONN_LOST = 7,      ///< on_disconnect: the connection was lost
  MQTT_ERR_TLS = 8,
  MQTT_ERR_PAYLOAD_SIZE = 9,
  MQTT_ERR_NOT_SUPPORTED = 10,
  MQTT_ERR_AUTH = 11,
  MQTT_ERR_ACL_DENIED = 12,
  MQTT_ERR_UNKNOWN = 13,
  MQTT_ERR_ERRNO = 14,
  MQTT_ERR_QUEUE_SIZE = 15,    ///< publish: the offline queue (MQTT_MAX_QUEUED) is full; nothing queued
  MQTT_ERR_KEEPALIVE = 16,     ///< on_disconnect: no answer to a ping in time
  MQTT_ERR_QUEUED = 100,       ///< tern: publish accepted while offline; it is sent once connected
};

/// paho's name of a result code: "MQTT_ERR_SUCCESS", ..., and tern's
/// "MQTT_ERR_QUEUED"; "MQTT_ERR_UNKNOWN" for any other value.
string_ref result_name(int result) noexcept;
/// A result code and its name.
struct named_result {
  string_ref name;  ///< "MQTT_ERR_SUCCESS", ...
  mqtt_err value;   ///< MQTT_ERR_SUCCESS, ...
};
/// Every result code with its name, in the order of their values: the one
/// table the HTTP bridge and the Python module answer with.
array_view<const named_result> result_names() noexcept;

/// Log levels, as paho's MQTT_LOG_* (the values of tern::log_level).
inline constexpr log_level MQTT_LOG_INFO = log_level::info;        // 0x01
inline constexpr log_level MQTT_LOG_NOTICE = log_level::notice;    // 0x02
inline constexpr log_level MQTT_LOG_WARNING = log_level::warning;  // 0x04
inline constexpr log_level MQTT_LOG_ERR = log_level::err;          // 0x08
inline constexpr log_level MQTT_LOG_DEBUG = log_level::debug;      // 0x10

/// What publish, subscribe and unsubscribe return: paho's `(result, mid)`.
/// `mid` is 0 when nothing was sent or queued.
struct mqtt_result {
  mqtt_err result = MQTT_ERR_SUCCESS;  ///< paho's `rc`
  message_id mid = 0;                  ///< the request's message id; 0 when nothing was sent or queued
  /// Field by field.
  friend bool operator==(const mqtt_result&, const mqtt_result&) = default;
};

/// A subscription: Flask-MQTT's `TopicQos(topic, qos)`.
struct topic_qos {
  text topic;         ///< the topic filter as subscribed (without the shared group's prefix)
  int qos = 0;        ///< the QoS asked for (0-2)
  /// Field by field.
  friend bool operator==(const topic_qos&, const topic_qos&) = default;
};

/// The subscriptions `mqtt::topics()` returns, sorted by filter.
class topic_list : public owned_array<topic_qos> {
 public:
  using owned_array<topic_qos>::owned_array;
  /// The subscription of `filter` (as given to `subscribe`), or null.
  const topic_qos* find(string_ref filter) const noexcept {
    for (const auto& t : *this)
      if (t.topic == filter) return &t;
    return nullptr;
  }
  /// Whether `filter` is subscribed.
  bool contains(string_ref filter) const noexcept { return find(filter) != nullptr; }
};

/// The CONNACK's flags (paho's `flags` dict).
struct connect_flags {
  bool session_present = false;  ///< the broker resumed a stored session (clean session off)
};

/// A received message. It owns its data: handlers run on the handler thread,
/// after the network buffer has moved on.
struct message {
  text topic;    ///< the topic name it was published to
  text payload;  ///< the bytes as sent (not necessarily UTF-8)
  int qos = 0;          ///< the QoS it was delivered with (at most the subscription's)
  bool retain = false;  ///< a retained message the broker sent on subscribe
  bool dup = false;     ///< a QoS 1/2 message the broker may have sent before
  /// The packet id of a QoS 1/2 message (paho's `message.mid`), 0 for QoS 0.
  std::uint16_t mid = 0;
  /// When the network thread received it, not when a handler runs: for ageing
  /// messages; converts to `std::chrono::steady_clock::time_point`.
  /// steady_clock is CLOCK_MONOTONIC on Linux, the clock of Python's
  /// `time.monotonic()` (paho's `message.timestamp`).
  steady_time received{};
  /// `payload` as bytes; valid while the message is.
  array_view<const std::byte> payload_bytes() const noexcept {
    return {reinterpret_cast<const std::byte*>(payload.data()), payload.size()};
  }
};

/// A payload for `publish`: text, bytes, or a number (sent as its decimal
/// text, as Flask-MQTT does; a `double` in its shortest round-trip form).
class payload_data {
 public:
  /// An empty payload.
  payload_data() = default;
  /// Text or bytes, copied (implicit, so that `publish("t", "on")` and
  /// `publish("t", bytes)` read as they do in Python; a null `const char*`
  /// is an empty payload).
  ///@{
  payload_data(string_ref text) : bytes_(text) {}  // NOLINT: implicit on purpose
  payload_data(const char* text) : bytes_(text) {}  // NOLINT
  template <detail::char_string S>
  payload_data(const S& text) : bytes_(string_ref(text)) {}  // NOLINT: a std::string, a std::string_view
  template <class C>
    requires detail::contiguous_of<const C, const std::byte>
  payload_data(const C& b)  // NOLINT: a std::vector<std::byte>, a std::span<const std::byte>
      : bytes_(string_ref(reinterpret_cast<const char*>(b.data()), b.size())) {}
  ///@}
  /// An integer, sent as its decimal text (`42` → "42").
  template <class T>
    requires(std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>)
  payload_data(T n) : bytes_(decimal(n)) {}  // NOLINT
  /// A floating-point number, sent in its shortest round-trip form (`0.5` → "0.5").
  payload_data(double d);  // NOLINT
  /// The bytes to send.
  const text& bytes() const noexcept { return bytes_; }

 private:
  template <class T>
  static text decimal(T n) {
    if constexpr (std::is_signed_v<T>) return signed_decimal(n);
    else return unsigned_decimal(n);
  }
  static text signed_decimal(long long n);
  static text unsigned_decimal(unsigned long long n);

  text bytes_;
};

/// Identifies one registered handler, for `remove_handler`.
struct handler_id {
  std::uint64_t value = 0;  ///< unique per object, never 0 for a registered handler
  /// Whether it names a handler (not a default-constructed id).
  explicit operator bool() const noexcept { return value != 0; }
  /// Same handler.
  friend bool operator==(const handler_id&, const handler_id&) = default;
};

/// What `status()` reports.
struct status_info {
  bool connected = false;          ///< a CONNACK accepted the current connection, still open
  std::uint64_t reconnects = 0;    ///< accepted connections after the first
  std::size_t inflight = 0;        ///< QoS 1/2 messages sent, not yet acknowledged
  std::size_t queued = 0;          ///< messages waiting to be sent
  std::uint64_t dropped = 0;       ///< events dropped because the handler queue was full
  int last_connack_code = -1;      ///< the last CONNACK's return code; -1 before any
  std::uint64_t messages_in = 0;   ///< messages received
  std::uint64_t messages_out = 0;  ///< publishes completed (QoS 0 written, QoS 1/2 acknowledged)
};

/// Options of the facade itself (Flask-MQTT's constructor arguments).
struct mqtt_options {
  /// false (the default): `init_app` waits for the first connection attempt
  /// to end (CONNACK or failure, at most MQTT_CONNECTION_TIMEOUT); true: it
  /// returns at once (Flask-MQTT's `connect_async`). Either way the client
  /// keeps reconnecting in the background.
  bool connect_async = false;
  /// Also write every log line to stderr (`[tern.web] LEVEL text`).
  bool mqtt_logging = false;
  /// The prefix of the configuration keys: MQTT_BROKER_URL, ...
  text config_prefix = "MQTT";
  /// Handler events (messages, log lines) that may wait for the handler
  /// thread; beyond this, new ones are dropped (see `status().dropped`).
  std::size_t handler_queue_size = 10000;
  /// false (the default): handlers run on the facade's own handler thread.
  /// true: no handler thread; handlers run on whichever thread calls
  /// `run_pending`, for a runtime that must own that thread (a language
  /// binding holding Python's GIL, an event loop). Poll `dispatch_fd()` or
  /// block in `wait_pending` to learn when events wait.
  bool external_dispatch = false;
  /// With `external_dispatch`: the client has no I/O thread either. Its
  /// network I/O and timers run inside `run_pending` too, on the thread that
  /// polls `dispatch_fd()` (which is then also readable while the
  /// connection has bytes or a timer is due). A message costs one thread
  /// wake-up instead of two. Should that thread not come back to
  /// `run_pending` for 200 ms while the connection needs it, a stand-in
  /// thread serves the connection (keep-alive, acknowledgements, reads into
  /// the handler queue) until it does. `init_app`, `stop` and
  /// `wait_pending` run the I/O themselves while they wait. Linux only
  /// (Asio's epoll reactor).
  bool external_io = false;
  /// true (the default): every message waits for the handler thread, so a
  /// handler registered after it arrived still gets it (Flask-MQTT's order:
  /// `init_app`, then the decorators). false: a message that no
  /// `on_message`, `on_topic` or `on_every_message` handler wants when it
  /// arrives is not queued. For an application that only bridges messages
  /// to web clients (`on_every_message_arrival`): it saves a handler-thread
  /// wake-up per message.
  bool queue_unclaimed_messages = true;
  /// Not null: the facade spends no thread of its own, for many facades in
  /// one process (one per signed-in user, each with its own bridge). Its
  /// client runs on this io_context, which you run and which must outlive
  /// the facade; handlers run on it too, one at a time and in order, on
  /// whichever of its threads takes them up (a slow handler holds that
  /// thread: run the io_context on several). Called on one of its threads,
  /// `init_app` returns without waiting for the first connection and `stop`
  /// without waiting for the stop to end. The destructor waits only for an
  /// `on_every_message_arrival` observer under way: the stop (DISCONNECT
  /// after at most MQTT_STOP_LINGER for what was published) ends on the
  /// io_context, which must keep running until it has (or the facade's
  /// state is never freed). No handler starts after the destructor
  /// returned (one running on another thread finishes). Not with
  /// `external_dispatch`.
  asio::io_context* io_context = nullptr;
};

class mqtt;

/// Something that exposes a config source as `config()`: an application
/// object. Checked where `config_source` is complete (<tern/web/config.hpp>).
template <class App>
concept app_with_config = requires(App& a) {
  { a.config() } -> std::convertible_to<const config_source&>;
};

/// Flask-MQTT's `Mqtt` class over a tern::client.
///
/// **Handlers** run on one dedicated handler thread, never on the network
/// thread (`on_every_message_arrival` observers excepted, by their
/// choice): a slow handler delays other handlers, never the connection
/// (keep-alive pings go on). Events wait in a bounded queue
/// (`mqtt_options::handler_queue_size`): when it is full, newly received
/// messages and log lines are dropped (drop-newest), counted in
/// `status().dropped`, and a WARNING is logged once per overflow; connect,
/// disconnect, publish, subscribe and unsubscribe events are never dropped.
/// Several handlers per event run in registration order. A handler that
/// throws is logged at ERR; the others still run. Handlers may call any
/// member function except the destructor and `stop`.
///
/// **Fork:** using an initialised object in a child process after `fork()`
/// throws `std::logic_error` (the connection and threads belong to the
/// parent); create a new object in the child. The child's copy is never
/// torn down (its destructor leaks it on purpose).
///
/// **Thread safety:** all member functions are thread-safe.
class mqtt {
 public:
  /// `rc`: the CONNACK's return code, as paho's: 0 accepted, 1-5 refused
  /// (1 protocol version, 2 client id, 3 server unavailable, 4 user name or
  /// password, 5 not authorised).
  using connect_handler = callback<void(mqtt& client, const std::any& userdata, connect_flags flags, int rc)>;
  /// `rc`: 0 after `disconnect()`; otherwise MQTT_ERR_CONN_LOST,
  /// MQTT_ERR_KEEPALIVE, MQTT_ERR_PROTOCOL, MQTT_ERR_TLS or MQTT_ERR_CONN_REFUSED.
  using disconnect_handler = callback<void(mqtt& client, const std::any& userdata, int rc)>;
  /// `msg` is valid during the call; the handler may keep a copy.
  using message_handler = callback<void(mqtt& client, const std::any& userdata, const message& msg)>;
  /// `mid`: what `publish` returned; the message is complete (QoS 0 written,
  /// QoS 1 PUBACK, QoS 2 PUBCOMP).
  using publish_handler = callback<void(mqtt& client, const std::any& userdata, message_id mid)>;
  /// `granted_qos`: one per filter, 0x80 for a refused one; valid during
  /// the call only (converts to a `std::vector<int>`, a copy, or a
  /// `std::span<const int>`).
  using subscribe_handler =
      callback<void(mqtt& client, const std::any& userdata, message_id mid, array_view<const int> granted_qos)>;
  /// `mid`: what `unsubscribe` returned; the UNSUBACK came.
  using unsubscribe_handler = callback<void(mqtt& client, const std::any& userdata, message_id mid)>;
  /// `level`: MQTT_LOG_*; `buf`: the line, paho's wording where paho has one;
  /// valid during the call only (converts to `std::string_view` and, a copy,
  /// to `const std::string&`).
  using log_handler = callback<void(mqtt& client, const std::any& userdata, log_level level, string_ref buf)>;
  /// Runs `call` (one handler invocation) inside, say, a request or database context.
  using handler_wrapper = callback<void(const callback<void()>& call)>;

  /// An object without configuration: call `init_app` later (factory pattern).
  explicit mqtt(mqtt_options options = {});
  /// As Flask-MQTT's `Mqtt(app)`: constructs, then `init_app(app)`.
  template <app_with_config App>
  explicit mqtt(App& app, mqtt_options options = {}) : mqtt(static_cast<mqtt_options&&>(options)) {
    init_app(app);
  }
  /// Stops the client as `stop()` does (what was published is delivered
  /// within the linger), but no handler runs any more, not even for the
  /// stop's own events: what could not be delivered is written to stderr
  /// (`[tern.web] ERR stopped with N message(s) not delivered (mid ...)`).
  /// Call `stop()` first to hear of it in handlers. On the handler thread
  /// (a handler destroying its own object) it works too: the rest of the
  /// object is freed when the running handler returns (the handler thread,
  /// detached, ends then).
  ~mqtt();
  mqtt(const mqtt&) = delete;
  mqtt& operator=(const mqtt&) = delete;

  /// Reads the configuration from `app.config()` and connects.
  template <app_with_config App>
  void init_app(App& app) {
    init_app(static_cast<const config_source&>(app.config()));
  }
  /// As `init_app(app)`, with the keys `<config_prefix>_*` (several
  /// objects in one application, each with its own prefix).
  template <app_with_config App>
  void init_app(App& app, string_ref config_prefix) {
    init_app(static_cast<const config_source&>(app.config()), config_prefix);
  }
  /// Reads the keys `<prefix>_*` of `config` (see docs/web.md), reports
  /// unknown ones at WARNING with the closest known key, creates the client,
  /// sends the subscriptions made so far once connected, and connects (see
  /// `mqtt_options::connect_async`).
  ///
  /// Any thread but a handler's; with `connect_async` false it blocks until
  /// the first attempt ends (CONNACK or failure, at most twice
  /// MQTT_CONNECTION_TIMEOUT plus a second). The configuration is copied.
  ///
  /// @throws config_error naming the key, for a value of the wrong type or
  ///   out of range; `std::logic_error` if already initialised.
  ///@{
  void init_app(const config_source& config);
  void init_app(const config_source& config, string_ref config_prefix);
  ///@}

  /// Sends DISCONNECT and stops reconnecting (on_disconnect then gets rc 0).
  void disconnect();
  /// Stops the client as `tern::client::stop` does: what was published is
  /// delivered within `linger` (default 5 s; the wait ends early once all
  /// is delivered), then DISCONNECT; every message not delivered is named
  /// in one ERR log line ("stopped with N message(s) not delivered (mid
  /// ...)"), and `on_publish` runs for each one delivered. In own-thread
  /// mode it returns once those handler events ran; should a handler hold
  /// the handler thread for over a second, it returns then and logs a
  /// WARNING saying so. With external dispatch they wait for
  /// `run_pending`. After it the object only reports: a publish is queued,
  /// and reported at destruction. Any thread but a handler's; the default
  /// linger is MQTT_STOP_LINGER.
  ///@{
  void stop();
  void stop(milliseconds_arg linger);
  ///@}

  // ---- handlers: each returns an id for remove_handler ----

  /// A CONNACK: `rc` 0 accepted, 1-5 refused (check it, as Flask-MQTT's
  /// docs say). Registered while connected, it is also called at once (on
  /// the handler thread) with the current connection's flags.
  handler_id on_connect(connect_handler f);
  /// An established connection ended.
  handler_id on_disconnect(disconnect_handler f);
  /// Messages that no `on_topic` handler matches.
  handler_id on_message(message_handler f);
  /// A publish completed: QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP.
  handler_id on_publish(publish_handler f);
  /// A SUBACK.
  handler_id on_subscribe(subscribe_handler f);
  /// An UNSUBACK.
  handler_id on_unsubscribe(unsubscribe_handler f);
  /// Log lines of the client and the facade (typos in the configuration,
  /// dropped events, ...). While a log handler that takes `MQTT_LOG_DEBUG`
  /// is registered (or `mqtt_options::mqtt_logging` is on), the client also
  /// emits paho's per-packet DEBUG lines ("Sending PUBLISH (d0, q1, r0, m3),
  /// 'a/b', ... (5 bytes)", "Received PUBACK (Mid: 3)", ...); with neither,
  /// they are never formatted.
  handler_id on_log(log_handler f);
  /// As `on_log`, for the levels in `levels` only (a bitwise or of
  /// `log_level` values): `MQTT_LOG_WARNING | MQTT_LOG_ERR` takes problems
  /// without turning the per-packet DEBUG lines on.
  handler_id on_log(log_handler f, std::uint8_t levels);
  /// Messages whose topic matches `filter` (wildcards and `$share/<group>/`
  /// allowed); they then skip `on_message`. Subscribing is still up to you.
  /// @throws std::invalid_argument for an invalid filter.
  handler_id on_topic(string_ref filter, message_handler f);
  /// Every message, whichever `on_topic` or `on_message` handlers take it,
  /// after them: for observers such as monitoring. Not part of Flask-MQTT's API.
  handler_id on_every_message(message_handler f);
  /// As `on_every_message`, called on the client's network thread as each
  /// message arrives, before it is queued for the handlers: no hand-off to
  /// the handler thread, so it costs no thread wake-up, is not held up by
  /// slow handlers and sees the messages a full handler queue drops. For
  /// observers that only hand the message on (the HTTP bridge's streams):
  /// `f` must return quickly and never block or call back into this object,
  /// for while it runs the connection reads nothing. Not run through the
  /// handler wrapper. `remove_handler` does not wait for a call under way on
  /// the network thread: what `f` uses must outlive this object, or be held
  /// by a `weak_ptr` (as the bridge does). See also
  /// `mqtt_options::queue_unclaimed_messages`.
  handler_id on_every_message_arrival(message_handler f);
  /// Removes a handler; returns whether it was registered. A call of it
  /// already running finishes; no new one starts.
  bool remove_handler(handler_id id);

  /// Wraps every handler call from now on; empty: none.
  void set_handler_wrapper(handler_wrapper wrapper);
  /// The `userdata` passed to every handler (paho's `user_data_set`).
  void set_userdata(std::any userdata);

  // ---- publish and subscribe ----

  /// Publishes `payload` on `topic`. Returns `{MQTT_ERR_SUCCESS, mid}` when
  /// connected; `{MQTT_ERR_QUEUED, mid}` when offline (queued, sent once
  /// connected); `{MQTT_ERR_QUEUE_SIZE, 0}` when the queue is full (checked
  /// at the call, so a concurrent burst may still overflow it: that failure
  /// is logged at ERR); `{MQTT_ERR_INVAL, 0}` for an invalid topic or QoS;
  /// `{MQTT_ERR_NO_CONN, 0}` before `init_app`.
  mqtt_result publish(string_ref topic, const payload_data& payload = {}, int qos = 0, bool retain = false);

  /// Subscribes (desired state): the filter is remembered in `topics()`,
  /// sent now when connected (`{MQTT_ERR_SUCCESS, mid}`) or after the next
  /// CONNACK (`{MQTT_ERR_NO_CONN, mid}`; mid 0 before `init_app`), and sent
  /// again after every reconnect that did not resume the session. With
  /// MQTT_SHARED_GROUP set the broker gets `$share/<group>/<filter>`.
  /// `{MQTT_ERR_INVAL, 0}` for an invalid filter or QoS (nothing remembered).
  mqtt_result subscribe(string_ref topic, int qos = 0);
  /// Several filters in one SUBSCRIBE: a braced list of `topic_qos`, or a
  /// `std::vector<topic_qos>`.
  mqtt_result subscribe(const list_arg<topic_qos>& topics);
  /// Forgets a subscription and sends UNSUBSCRIBE (now, or once connected).
  /// `{MQTT_ERR_NOT_FOUND, 0}` if `topic` is not in `topics()`.
  mqtt_result unsubscribe(string_ref topic);
  /// Unsubscribes from every topic in `topics()`; returns whether all went.
  bool unsubscribe_all();
  /// The subscriptions, sorted by filter (as given to `subscribe`).
  topic_list topics() const;

  /// Makes sure the messages of `filter` arrive, on behalf of an observer
  /// that shows them (an HTTP event stream, a WebSocket): counted, and apart
  /// from `subscribe()`'s desired state. When a subscription of the
  /// application already covers `filter` (`home/#` covers `home/+/temp`)
  /// nothing is sent; otherwise the broker is subscribed until the last
  /// holder lets go. A holder never removes a subscription the application
  /// made, nor the application one a holder still needs (its `unsubscribe`
  /// then answers `{MQTT_ERR_SUCCESS, 0}`: nothing is sent, and holds it
  /// covered are subscribed on their own). Not listed in `topics()`.
  /// Renewed after reconnects like the others. Returns false (nothing held)
  /// for an invalid filter or QoS.
  bool hold_subscription(string_ref filter, int qos = 0);
  /// Gives back one `hold_subscription` of `filter`.
  void release_subscription(string_ref filter);

  // ---- external dispatch (mqtt_options::external_dispatch) ----

  /// Runs up to `max` waiting handler events on the calling thread, in
  /// order; returns how many ran. With `external_io` it first runs the
  /// client's ready I/O (reads, writes, timers), which may queue more
  /// events. One thread at a time. Own-thread mode, and from a handler
  /// (which would otherwise run later events inside an earlier one): 0.
  std::size_t run_pending(std::size_t max = static_cast<std::size_t>(-1));
  /// Blocks until a handler event waits, the object is being destroyed, or
  /// `timeout_ms` passes (negative: no limit); returns whether one waits.
  bool wait_pending(int timeout_ms);
  /// A file descriptor that polls readable while handler events wait (and
  /// for good once the object is being destroyed), or, with `external_io`,
  /// while the connection needs `run_pending`; -1 in own-thread mode.
  int dispatch_fd() const noexcept;
  /// Blocks until no handler event waits or runs, or `timeout_ms` passes;
  /// returns whether idle.
  bool wait_idle(int timeout_ms) const;

  /// Counters; see `status_info`.
  status_info status() const;
  /// The reason of the last failure (transport, TLS, CONNACK refusal, ...).
  error_code last_error() const;
  /// The same in words, with what the code cannot hold (the broker's
  /// address, the file, OpenSSL's reason); empty if none.
  text last_error_detail() const;
  /// The client id in use: the configured one after template expansion, or
  /// the one the client generated for its current or last connection when
  /// none is configured. Empty before `init_app`.
  text client_id() const;

 private:
  struct impl;
  impl* impl_;
};

}  // namespace tern::web
