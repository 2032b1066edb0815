#pragma once
// The MQTT 3.1/3.1.1 client protocol state machine, sans-I/O.
//
// `tern::session` owns the protocol state of one client: the connection phase,
// packet identifiers, the QoS 1/2 in-flight window, the offline queue, the
// QoS 2 receive bookkeeping and the keep-alive deadlines. It does no I/O and
// reads no clock: bytes, time and commands go in, actions come out. See
// docs/session.md for the state diagram and the delivery guarantees.
//
// How a transport drives it (tern::client does this on an Asio strand):
//
//   std::vector<tern::action> out;                  // reused across calls
//   s.connect(opts, now, out);                      // after the TCP/TLS connect
//   ... run(out): write send_bytes, arm one timer at arm_timer, map events ...
//   s.on_bytes(read_bytes, now, out);               // whenever bytes arrive
//   s.on_timer(now, out);                           // when the timer fires
//   s.on_link_lost(ec, now, out);                   // on a socket error or EOF
//
// Every entry point *appends* to `out` (it never clears it) and emits actions
// in the order they must be carried out.
//
// **Lifetimes of views in actions.** Every view in an action (`send_bytes`
// head and payload, `message_received` topic and payload, `subscribed`
// granted codes, `log_line` text) stays valid until the next call of a member
// function of the same session that takes `out`, or until the session is
// destroyed, whichever comes first. The `payload` of a `send_bytes` that
// carries a QoS 1/2 PUBLISH stays valid longer: until that message's
// `publish_completed`. A transport that keeps writing while it feeds the
// session again must copy `head` (a few bytes) into its own write queue.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "tern/codec.hpp"
#include "tern/error.hpp"
#include "tern/packet.hpp"
#include "tern/payload.hpp"
#include "tern/result.hpp"
#include "tern/session_options.hpp"

namespace tern {

// ---- actions -------------------------------------------------------------

/// Write `head` then `payload` to the connection (gather I/O). `payload` is a
/// PUBLISH payload held by the session, empty for every other packet.
struct send_bytes {
  bytes_view head;     ///< valid until the session's next call
  bytes_view payload;  ///< a PUBLISH payload: valid until its `publish_completed`
  /// The bytes to write in all.
  std::size_t size() const noexcept { return head.size() + payload.size(); }
};
/// The next deadline changed: arm the one timer to call `on_timer` at
/// `deadline`. `clock::time_point::max()` means no deadline (cancel the timer).
struct arm_timer {
  clock::time_point deadline;  ///< when to call `on_timer`
};
/// CONNACK accepted the connection. `session_present` is always false for MQTT 3.1.
struct connected {
  bool session_present = false;  ///< the broker resumed the stored session
  std::uint8_t return_code = 0;  ///< 0
};
/// CONNACK refused the connection: `return_code` 1-5 and the same as an
/// error of `connack_category()` (Table 3.1). Followed by `connection_closed`.
struct connect_refused {
  std::uint8_t return_code = 0;  ///< 1-5
  std::error_code ec;            ///< the same, as a `connack_error`
};
/// A publish finished on the sender's side: QoS 0 when its bytes were handed
/// out (in the `send_bytes` just before; a transport reports it to its user
/// once those are written), QoS 1 on PUBACK, QoS 2 on PUBCOMP.
struct publish_completed {
  message_id mid = 0;                 ///< what `publish` returned
  tern::qos qos = qos::at_most_once;  ///< the message's QoS
};
/// A SUBACK arrived: one granted QoS per filter, in order, 0x80 for a
/// refused filter (`suback_failure`, MQTT 3.1.1 only). When the link is lost
/// first, `ec` is the reason and `granted` is empty.
struct subscribed {
  message_id mid = 0;                     ///< what `subscribe` returned
  std::span<const std::uint8_t> granted;  ///< valid until the session's next call
  std::error_code ec;                     ///< set when the link was lost first
};
/// An UNSUBACK arrived; or the link was lost first, and `ec` says why.
struct unsubscribed {
  message_id mid = 0;  ///< what `unsubscribe` returned
  std::error_code ec;  ///< set when the link was lost first
};
/// The connection is over: close the transport (if it is still open) and do
/// not write to it again. `reason` is `errc::disconnected` after `disconnect`,
/// the caller's reason after `on_link_lost`, a `connack_error` after a
/// refusal, and otherwise the protocol violation, codec error or timeout
/// that made the session give up (`errc::keep_alive_timeout`, ...).
struct connection_closed {
  std::error_code reason;  ///< why (see above)
};
/// A log line for the application (Flask-MQTT's on_log).
struct log_line {
  log_level level = log_level::info;  ///< one of the levels of `session_options::log_mask`
  std::string_view text;              ///< valid until the session's next call
};

/// A change of the state that survives the process when a message store
/// keeps it (`session_options::report_store_updates`). It comes before the
/// `send_bytes` that depend on it: a transport that makes each update durable
/// before it writes the bytes that follow loses no message and delivers no
/// QoS 2 message twice across a crash (docs/session.md).
struct store_update {
  /// What changed.
  enum class kind : std::uint8_t {
    /// A QoS 1/2 message was accepted: `mid`, `topic`, `payload`, `qos`, `retain`.
    message_accepted,
    /// The message `mid` went out with `packet_id` (PUBACK or PUBREC is next).
    message_sent,
    /// QoS 2: PUBREC came for `mid`; PUBREL (`packet_id`) is next.
    pubrec_received,
    /// PUBACK or PUBCOMP completed `mid`: forget it.
    message_completed,
    /// No session on the broker: every message sent is queued again, without its packet id.
    inflight_requeued,
    /// An inbound QoS 2 PUBLISH with `packet_id` was delivered; its id is
    /// held until PUBREL, so that a re-sent copy is not delivered again.
    inbound_held,
    /// PUBREL released the inbound `packet_id`.
    inbound_released,
    /// No session on the broker: every held inbound id is forgotten.
    inbound_cleared,
  };
  kind what = kind::message_accepted;  ///< the change
  message_id mid = 0;                  ///< the message it concerns (outbound kinds)
  std::uint16_t packet_id = 0;         ///< the packet id it concerns, where the kind has one
  /// `message_accepted` only. `payload` stays valid until the message's
  /// `publish_completed`, as a PUBLISH payload in `send_bytes`.
  ///@{
  std::string_view topic;
  bytes_view payload;
  tern::qos qos = qos::at_most_once;
  bool retain = false;
  ///@}
};

using action = std::variant<send_bytes, arm_timer, connected, connect_refused, message_received,
                            publish_completed, subscribed, unsubscribed, connection_closed, log_line,
                            store_update>;

/// A message as a message store gives it back (`session::restore`).
struct stored_message {
  message_id mid = 0;            ///< its id, kept across the restart
  tern::message msg;             ///< QoS 1 or 2
  std::uint16_t packet_id = 0;   ///< 0: not sent yet
  bool pubrec_received = false;  ///< QoS 2: PUBREC came, PUBREL is next
};

/// Everything a message store holds of one session.
struct stored_state {
  /// In the order the session accepted them.
  std::vector<stored_message> messages;
  /// Inbound QoS 2 packet ids delivered and not released yet.
  std::vector<std::uint16_t> inbound_qos2;
};

/// The client side of the MQTT 3.1/3.1.1 protocol as a pure state machine.
///
/// Phases: `idle` (no connection) → `connect` → `awaiting_connack` → CONNACK 0
/// → `connected` → (link lost, protocol violation, timeout, `disconnect`) →
/// `idle`, and `connect` again on the same session to resume it.
///
/// The session never throws on a protocol path and never reads a clock, a
/// socket or an entropy source.
///
/// **Thread safety:** distinct objects safe, shared objects unsafe; call one
/// session from one thread (or strand) at a time.
class session {
 public:
  /// A session with no connection, an empty queue and `options` for its lifetime.
  explicit session(const session_options& options = {});
  ~session();
  /// Takes `other`'s whole state.
  ///@{
  session(session&&) noexcept;
  session& operator=(session&&) noexcept;
  ///@}
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Starts a connection: call it once the transport is open. Encodes CONNECT
  /// [MQTT-3.1.0-1] and waits for CONNACK within `options.connect_timeout`,
  /// or 1.5 times `options.keep_alive` when that is shorter (a keep-alive of
  /// 5 s gives up after 7.5 s).
  ///
  /// Emits: `log_line`, `send_bytes` (CONNECT), `arm_timer` (connect timeout).
  /// Errors (nothing emitted): `errc::already_connected` unless idle;
  /// `errc::client_id_required`; `errc::client_id_invalid`;
  /// `errc::invalid_qos_argument` (Will QoS 3); a topic error for the Will topic;
  /// `errc::password_without_user_name`; `errc::string_too_long`.
  std::error_code connect(const connect_options& options, clock::time_point now, std::vector<action>& out);
  /// The options of the last `connect` that did not fail, kept by the
  /// session (default ones before): a reconnect may pass them back, so that
  /// the caller needs no copy of its own. Valid until the next `connect`.
  const connect_options& last_connect_options() const noexcept;

  /// Feeds bytes received from the broker (copied into the receive buffer)
  /// and handles every whole packet in them.
  ///
  /// Emits: `connected` (CONNACK 0) followed by the re-sent and queued
  /// messages' `send_bytes` and the QoS 0 ones' `publish_completed`;
  /// `connect_refused` + `connection_closed` (CONNACK 1-5);
  /// `message_received` + `send_bytes` (PUBACK or PUBREC) for a PUBLISH
  /// [MQTT-4.5.0-2], only the `send_bytes` for a duplicate QoS 2 PUBLISH
  /// [MQTT-4.3.3-2]; `send_bytes` (PUBCOMP) for a PUBREL; `send_bytes`
  /// (PUBREL) for a PUBREC; `publish_completed` for a PUBACK or PUBCOMP,
  /// followed by the next queued messages; `subscribed`; `unsubscribed`;
  /// `log_line`; `arm_timer`; and `connection_closed` for a protocol
  /// violation: `errc::unexpected_packet` (CONNECT, SUBSCRIBE, UNSUBSCRIBE,
  /// PINGREQ, DISCONNECT), `errc::packet_before_connack`,
  /// `errc::duplicate_connack`, `errc::protocol_violation` (session present
  /// on a clean session [MQTT-3.2.2-1], a SUBACK with the wrong number of
  /// codes [MQTT-3.9.3-1]), any codec error (malformed packet), or
  /// `errc::packet_too_large`. Bytes after a closing packet are ignored.
  /// A PUBACK, PUBREC or PUBCOMP for an unknown packet id is logged at
  /// `warning` and ignored. Bytes while idle are ignored.
  void on_bytes(bytes_view bytes, clock::time_point now, std::vector<action>& out);

  /// Zero-copy receive: `receive_buffer(n)` returns space for at least `n`
  /// bytes to read into, and `on_received(k, ...)` handles the first `k` of
  /// them exactly as `on_bytes` would. The span is valid until the next call.
  ///@{
  std::span<std::byte> receive_buffer(std::size_t n);
  void on_received(std::size_t n, clock::time_point now, std::vector<action>& out);
  ///@}
  /// Gives back receive-buffer memory beyond `n` bytes (or beyond the part
  /// of a packet it holds, when that is more): for a connection whose
  /// traffic has calmed down after a burst.
  void shrink_receive_buffer(std::size_t n);
  /// Gives back the memory of the buffers the session reuses from call to
  /// call for packet heads and log text: for a connection gone quiet. The
  /// views in the last call's actions end.
  void release_buffers() noexcept;

  /// Call at (or after) the last `arm_timer` deadline. Early calls do nothing.
  ///
  /// Emits: `send_bytes` (PINGREQ) when nothing was sent for the keep-alive
  /// interval [MQTT-3.1.2-23]; `connection_closed` with
  /// `errc::keep_alive_timeout` when no packet came back within the response
  /// timeout of a PINGREQ, or `errc::connect_timeout` without CONNACK;
  /// `log_line`; `arm_timer`.
  void on_timer(clock::time_point now, std::vector<action>& out);

  /// The transport lost the connection (read error, EOF, write error).
  /// Unacknowledged messages stay for the next `connect`.
  ///
  /// Emits, unless already idle: `subscribed`/`unsubscribed` with `ec = reason`
  /// for each pending request, `log_line`, `connection_closed{reason}`,
  /// `arm_timer`.
  void on_link_lost(std::error_code reason, clock::time_point now, std::vector<action>& out);

  /// Publishes `msg`: sends it now when connected and the window and a packet
  /// id allow, otherwise queues it; queued messages go out in `publish` order
  /// after CONNACK or as the window frees. Returns its `message_id`.
  ///
  /// Emits: `send_bytes` (PUBLISH) and, for QoS 0, `publish_completed`; `arm_timer`.
  /// Errors (nothing queued): a topic error (`errc::empty_topic`,
  /// `errc::wildcard_in_topic_name`, ...); `errc::invalid_qos_argument`;
  /// `errc::payload_too_large` (over 268,435,455 bytes on the wire);
  /// `errc::queue_full`; `errc::not_connected` for QoS 0 while not connected
  /// with `drop_qos0_offline`.
  ///
  /// `mid`: the id to give the message; 0 (the default) takes
  /// `next_message_id()`. tern::client takes an id from `next_message_id()` on
  /// its caller's thread, so that it can return it before the call reaches
  /// the session.
  result<message_id> publish(message msg, clock::time_point now, std::vector<action>& out, message_id mid = 0);

  /// Sends SUBSCRIBE for one or more filters (copied into the packet).
  /// Needs a connection: subscriptions are not queued or restored by the
  /// session (tern::client re-subscribes after a reconnect).
  ///
  /// Emits: `send_bytes` (SUBSCRIBE), `arm_timer`; later, `subscribed`.
  /// Errors: `errc::not_connected`; `errc::no_topic_filters`; a topic filter
  /// error; `errc::invalid_qos_argument`; `errc::packet_id_exhausted`.
  /// `mid` as for `publish`.
  ///@{
  result<message_id> subscribe(std::span<const subscribe_entry> filters, clock::time_point now,
                               std::vector<action>& out, message_id mid = 0);
  result<message_id> subscribe(std::string_view filter, tern::qos max_qos, clock::time_point now,
                               std::vector<action>& out, message_id mid = 0);
  ///@}

  /// Sends UNSUBSCRIBE for one or more filters. As `subscribe`; later, `unsubscribed`.
  ///@{
  result<message_id> unsubscribe(std::span<const std::string_view> filters, clock::time_point now,
                                 std::vector<action>& out, message_id mid = 0);
  result<message_id> unsubscribe(std::string_view filter, clock::time_point now, std::vector<action>& out,
                                 message_id mid = 0);
  ///@}

  /// Ends the connection cleanly: sends DISCONNECT when connected (so the
  /// broker drops the Will [MQTT-3.14.4-3]) and then nothing more
  /// [MQTT-3.14.4-2]. Unacknowledged messages stay for the next `connect`.
  ///
  /// Emits: `send_bytes` (DISCONNECT, only when connected), `subscribed` /
  /// `unsubscribed` with `errc::disconnected` for pending requests,
  /// `log_line`, `connection_closed{errc::disconnected}`, `arm_timer`.
  /// Errors: `errc::not_connected` when idle.
  std::error_code disconnect(clock::time_point now, std::vector<action>& out);

  /// Gives up every message not completed yet, queued or in flight, as a
  /// client does when it stops: frees their packet ids and appends their ids
  /// to `mids`, oldest first. A QoS 1/2 message that was sent may still
  /// reach subscribers; the session just stops tracking it. Emits nothing.
  void abandon_messages(std::vector<message_id>& mids);

  /// Rebuilds the messages and inbound QoS 2 ids a message store kept, before
  /// the first `connect`: sent messages keep their packet ids and are re-sent
  /// (DUP set, or PUBREL) when the broker kept the session, and go out again
  /// as new messages when it did not; the others are queued, in order. The
  /// message ids handed out next follow the largest restored one. Emits
  /// nothing (the store holds all this already).
  /// Errors (nothing restored): `errc::already_connected` unless idle;
  /// `errc::invalid_argument` when the session already holds messages;
  /// `errc::store_invalid` for a state no session could have made (a mid or
  /// packet id twice, a mid 0, QoS 0, PUBREC without a packet id or for QoS 1,
  /// a bad topic).
  std::error_code restore(const stored_state& state);

  /// The next message id, skipping 0: the one allocator of `publish`,
  /// `subscribe` and `unsubscribe` ids. **Thread-safe**, unlike the rest of
  /// the session: a client hands ids out on its callers' threads and passes
  /// them to the calls above.
  message_id next_message_id() noexcept;

  /// Which `log_level`s to emit from now on (as `session_options::log_mask`):
  /// an application turns `debug` on while someone reads the packet trace.
  void set_log_mask(std::uint8_t mask) noexcept;

  /// The earliest time `on_timer` has work, or `clock::time_point::max()`.
  clock::time_point next_deadline() const noexcept;

  /// True between CONNACK 0 and the end of that connection.
  bool is_connected() const noexcept;
  /// True from `connect` until the connection ends.
  bool is_open() const noexcept;
  /// QoS 1/2 PUBLISHes (and PUBRELs) sent and not yet completed.
  std::size_t inflight() const noexcept;
  /// True while the broker owes this session an answer: a CONNACK, a
  /// PUBACK, PUBREC or PUBCOMP for a message in flight, a PUBREL for a QoS 2
  /// message received, a SUBACK, an UNSUBACK or a PINGRESP. A transport that
  /// delays its reads to batch them reads at once meanwhile.
  bool awaiting_reply() const noexcept;
  /// The most QoS 1/2 messages in flight at once (session_options::max_inflight).
  std::size_t max_inflight() const noexcept;
  /// Messages waiting to be sent.
  std::size_t queued() const noexcept;
  /// Packets received and decoded since the session was made (a transport
  /// can tell how many one read brought).
  std::uint64_t packets_received() const noexcept;
  /// Bytes received of a packet not complete yet (waiting for its rest).
  std::size_t partial_packet_bytes() const noexcept;
  /// The client id of the current or last connection (generated or given).
  std::string_view client_id() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tern
