#pragma once
// tern::client: the MQTT client on Asio. It glues the sans-I/O session to a
// transport (TCP, TLS), a timer and the topic-trie dispatcher, reconnects
// with back-off, and offers a thread-safe API. See docs/client.md.
//
// Light on purpose: it includes no Asio and, of the standard library, only
// <cassert>, <cstddef>, <cstdint>, <concepts>, <initializer_list>, <new> and
// <type_traits>; strings, callbacks and errors are tern's own types, which
// convert to and from the standard ones. Configuring a client needs
// <tern/client_options.hpp>; the error enums are in <tern/error.hpp>.

#include <cstddef>
#include <cstdint>

#include "tern/array_view.hpp"
#include "tern/callback.hpp"
#include "tern/core_types.hpp"
#include "tern/error_code.hpp"
#include "tern/list_arg.hpp"
#include "tern/message_received.hpp"
#include "tern/milliseconds_arg.hpp"
#include "tern/payload_ref.hpp"
#include "tern/result.hpp"
#include "tern/string_ref.hpp"
#include "tern/text.hpp"

namespace asio {
class io_context;
}

namespace tern {

struct client_options;  // <tern/client_options.hpp>

/// Counters of a client, read by `client::stats()` (the web facade's `status()`).
/// Each field is read atomically on its own; together they are a near-instant
/// snapshot, not a consistent one.
struct client_stats {
  /// CONNACKs that accepted a connection; `reconnects` is this minus the first.
  std::uint64_t connects = 0;
  /// `connects` minus the first: connections made again after one was lost.
  std::uint64_t reconnects = 0;
  /// The return code of the last CONNACK (0 accepted, 1-5 refused), -1 before any.
  int last_connack_code = -1;
  /// Application messages received (each QoS 2 message once).
  std::uint64_t messages_in = 0;
  /// Publishes completed: QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP.
  std::uint64_t messages_out = 0;
  /// QoS 1/2 messages sent and not yet acknowledged, as of the last event
  /// the client handled.
  std::size_t inflight = 0;
  /// Messages waiting to be sent (offline or behind the in-flight window),
  /// as of the last event the client handled.
  std::size_t queued = 0;
  /// Publishes `publish()` accepted that the client has not taken up yet
  /// (neither in flight nor queued above): `queued + pending` counts every
  /// message waiting, at once, without waiting for the client's strand.
  std::size_t pending = 0;
};

namespace detail {
struct client_access;
}

/// An MQTT client.
///
/// It runs on Asio: either on its own I/O thread (the constructor without
/// io_context; `start()` launches the thread, `stop()` joins it) or on an
/// `asio::io_context` you pass in and run yourself. This header does not
/// include Asio (the client is a pimpl); the completion-token API is in
/// <tern/client_async.hpp>. Every public member function may be called from
/// any thread: it posts to the client's strand. **Callbacks run on that
/// strand** (the client's I/O thread, or a thread running your io_context),
/// one at a time, in event order; they must not block. Register callbacks
/// before `connect()`.
///
/// **Thread safety:** all member functions are thread-safe.
class client {
  friend struct detail::client_access;  // <tern/client_async.hpp>

 public:
  /// A client with its own I/O thread (started by `start()`).
  explicit client(client_options options);
  /// A client with its own I/O thread for the broker at `broker_uri`
  /// (`mqtt://host:1883`, ...: as `client_options::brokers`), with every
  /// other option at its default.
  explicit client(string_ref broker_uri);
  /// A client on `context`, which you run (`context.run()` on one thread
  /// or several: the client serialises its work on a strand of it) and
  /// which must outlive the client. `start()` is then a no-op.
  client(asio::io_context& context, client_options options);
  /// Stops the client: as `stop()`.
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Starts the I/O thread of a client that owns one. Idempotent; after
  /// `stop()` it starts a new one. `connect()` calls it.
  void start();
  /// Stops the client: waits up to `client_options::stop_linger` (or
  /// `linger`) for the messages published so far to be delivered, then sends
  /// DISCONNECT if connected (waiting at most 1 s more for the broker to
  /// read it), stops reconnecting, and joins the I/O thread if the client
  /// owns one. Every message not delivered by then completes with
  /// `errc::stopped` (through its completion handler and one `on_log` line
  /// at ERR that lists the message ids), and so do subscribe and
  /// unsubscribe requests still waiting for a connection.
  ///
  /// On a client that runs on your executor, `stop()` only starts this and
  /// returns: the client then holds no work on the executor once it is over
  /// (your `run()` returns). From one of the client's own callbacks it works
  /// the same way, asynchronously; the I/O thread of a client that owns one
  /// ends on its own when the stop is over (it is detached, not joined).
  /// Any thread. Idempotent: a second stop joins the first (the earlier
  /// deadline holds).
  ///@{
  void stop();
  void stop(milliseconds_arg linger);
  ///@}
  /// `stop(linger)` that reports its end: on a client that runs on your
  /// executor, `done` runs on the client's strand once the stop is over
  /// (what was not delivered has completed); on a client with its own
  /// thread, `stop(linger)` returns first and `done` runs on the calling
  /// thread. Not from a callback of a client with its own thread.
  void stop(milliseconds_arg linger, callback<void()> done);

  /// Opens the connection to the first broker that accepts it, then keeps it
  /// open (reconnecting with back-off when enabled). Completion is reported
  /// through `on_connect` (return code 0 accepted, 1-5 refused) or
  /// `on_disconnect` (failed, with the reason). Starts the I/O thread of a
  /// client that owns one if it is not running yet.
  void connect();
  /// Sends DISCONNECT (the broker then drops the Will) and closes; no reconnect.
  void disconnect();

  /// Publishes a message. Validates the arguments at once (errors:
  /// `errc::empty_topic`, `errc::wildcard_in_topic_name`, ... ,
  /// `errc::invalid_qos_argument`, `errc::payload_too_large` when the PUBLISH
  /// would exceed MQTT's 268,435,455 bytes; nothing is copied then) and
  /// returns its id; the rest happens on the strand: sent now if connected,
  /// else queued (`on_publish(mid)` when done: QoS 0 written, QoS 1 PUBACK,
  /// QoS 2 PUBCOMP). The payload is any text or bytes (see `payload_ref`);
  /// it is copied, unless it is a `std::vector<std::byte>` moved in. A
  /// queue-full error is reported through `on_log` and the completion.
  result<message_id> publish(string_ref topic, payload_ref payload, qos q = qos::at_most_once, bool retain = false);
  /// As `publish`, and `done(ec, mid)` runs on the strand (or your
  /// io_context's thread) once, when the message is complete (`ec` empty) or
  /// has failed: `errc::queue_full` (the offline queue is at
  /// `session_options::max_queued`), `errc::not_connected` (a QoS 0 message
  /// published offline with `session_options::drop_qos0_offline`),
  /// `errc::link_lost` (a QoS 0 message the connection took down before its
  /// write ended: it may or may not have reached the broker),
  /// `errc::stopped` (`stop()` could not deliver it within its linger). The
  /// arguments' errors are returned at once, as by `publish`, and `done` is
  /// then not called.
  result<message_id> publish(string_ref topic, payload_ref payload, qos q, bool retain,
                             callback<void(error_code, message_id)> done);

  // The completion-token forms (callbacks, futures, coroutines) of
  // publish, subscribe and unsubscribe, and the client's strand, are in
  // <tern/client_async.hpp>: tern::async_publish(client, ...).

  /// Subscribes to one or more filters. Validates them at once and returns
  /// the request's id; `on_subscribe(mid, granted)` reports the SUBACK (0x80
  /// per refused filter). Subscriptions are remembered and renewed after a
  /// reconnect that did not resume the session. Needs no connection: a
  /// request made while offline is sent once connected. Any thread; the
  /// filters are copied. Errors (returned at once, nothing sent): a topic
  /// filter error (`errc::empty_topic`, `errc::misplaced_hash`, ...,
  /// `errc::invalid_shared_subscription`), `errc::invalid_qos_argument`,
  /// `errc::no_topic_filters` for an empty list.
  ///@{
  result<message_id> subscribe(string_ref filter, qos max_qos = qos::at_most_once);
  result<message_id> subscribe(const list_arg<filter_qos>& filters);
  ///@}
  /// As `subscribe`, and `done(ec, granted)` runs on the strand with the
  /// SUBACK's codes, or with `ec` set when the connection ended first.
  /// `granted` is valid during the call only; a `done` taking a
  /// `std::vector<std::uint8_t>` gets a copy.
  result<message_id> subscribe(const list_arg<filter_qos>& filters,
                               callback<void(error_code, array_view<const std::uint8_t>)> done);
  /// Unsubscribes; `on_unsubscribe(mid)` reports the UNSUBACK, and the
  /// filters are no longer renewed after a reconnect. Any thread; the
  /// filters are copied. Errors (at once): a topic filter error,
  /// `errc::no_topic_filters` for an empty list. Offline, the request is
  /// sent once connected.
  ///@{
  result<message_id> unsubscribe(string_ref filter);
  result<message_id> unsubscribe(const list_arg<string_ref>& filters);
  ///@}
  /// As `unsubscribe`, and `done(ec)` runs on the strand on UNSUBACK, or with
  /// `ec` set when the connection ended first.
  result<message_id> unsubscribe(const list_arg<string_ref>& filters, callback<void(error_code)> done);

  // ---- callbacks (set before connect(); they run on the client's strand) ----

  /// A CONNACK: `return_code` 0 accepted the connection (`session_present`
  /// as the broker says); 1-5 refused it (`session_present` false; see
  /// `connack_error`). As paho's `on_connect(rc)`: check the code.
  void on_connect(callback<void(bool session_present, int return_code)> f);
  /// The connection ended or an attempt failed; `reason` as in `last_error()`.
  void on_disconnect(callback<void(error_code reason)> f);
  /// A message that no per-filter handler took. The `message_received`'s
  /// views (topic, payload) are valid during the call only: copy what you keep.
  void on_message(callback<void(const message_received&)> f);
  /// A publish completed: QoS 0 written to the connection, QoS 1 PUBACK,
  /// QoS 2 PUBCOMP; `mid` is what `publish` returned. Not called for a
  /// message that failed (its `done`, if any, and `on_log` report that).
  void on_publish(callback<void(message_id)> f);
  /// A SUBACK: `granted` holds one code per filter of the request, in order
  /// (0, 1 or 2: the QoS granted; 0x80: refused), valid during the call only.
  /// Renewals after a reconnect report their SUBACKs too.
  void on_subscribe(callback<void(message_id, array_view<const std::uint8_t> granted)> f);
  /// An UNSUBACK for the request `mid`.
  void on_unsubscribe(callback<void(message_id)> f);
  /// A log line of the client and its session, at the levels of
  /// `set_log_mask`; the text is valid during the call only. Errors that
  /// have no other channel (a publish that failed without a `done`, a
  /// message not delivered at stop) are reported here at ERR.
  void on_log(callback<void(log_level, string_ref)> f);
  /// Runs after each batch of the callbacks above (the messages and
  /// acknowledgements of one read, the completions of one write), before the
  /// client reads again: for a consumer that hands events to another thread
  /// and wakes it once per batch rather than once per event.
  void on_batch_end(callback<void()> f);
  /// Which `log_level`s the client emits from now on, a bitwise or of them
  /// (starts as `session_options::log_mask`). `log_level::debug` adds a line
  /// per packet in paho's wording ("Sending PUBLISH (d0, q1, r0, m3), 'a/b',
  /// ... (5 bytes)", "Received PUBACK (Mid: 3)", ...), and costs a
  /// formatted line per packet; without it those lines are never formatted.
  void set_log_mask(std::uint8_t mask);
  /// Adds a handler for messages whose topic matches `filter` (wildcards and
  /// `$share/<group>/` allowed); every matching handler runs, and
  /// `on_message` then does not. Returns an id for `remove_topic_handler`.
  /// Errors: a topic filter error.
  result<std::uint64_t> add_topic_handler(string_ref filter, callback<void(const message_received&)> f);
  /// Removes the handler `add_topic_handler` returned `id` for; unknown ids
  /// are ignored. Any thread: it takes effect on the strand, so a message
  /// handled there meanwhile may still reach the handler. It does not
  /// unsubscribe.
  void remove_topic_handler(std::uint64_t id);

  /// Called on the client's strand once a QoS 1/2 message is durable in the
  /// store (`client_options::store`): at once when the store writes through
  /// (`sync_policy::every`, `none`, the memory store), after the fsync that
  /// covers it with `sync_policy::batch` (which may end after the message
  /// was sent, at QoS 1), in the order the messages were accepted. Not
  /// called without a store.
  void on_persisted(callback<void(message_id)> f);

  /// The last error: a transport error (DNS, refused, TLS verification, with
  /// `last_error_detail()` in words), a CONNACK refusal (`connack_error`),
  /// a protocol violation or a keep-alive timeout.
  error_code last_error() const;
  /// `last_error()` in words, naming the broker or proxy and what failed
  /// ("cannot connect to 127.0.0.1:1883: Connection refused", OpenSSL's
  /// verification reason...); empty when no error happened. A copy: any
  /// thread.
  text last_error_detail() const;
  /// The client id of the current or last connection attempt: the configured
  /// one, or the one the session generated when none was configured (a new
  /// one per connection). Empty before the first attempt.
  text client_id() const;
  /// Whether a CONNACK accepted the current connection and it is still open
  /// (as of the last event the client handled). Any thread, lock-free.
  bool is_connected() const noexcept;
  /// The client's counters. Thread-safe, lock-free.
  client_stats stats() const noexcept;

 private:
  struct impl;
  struct state;  // the impl and the io_context of a client that owns one
  state* state_;
};

}  // namespace tern
