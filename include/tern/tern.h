/// @file tern.h
/// tern's C API: the web facade (`tern::web::mqtt`, Flask-MQTT's API) for C
/// and for any language with a C foreign-function interface. It includes
/// only `<stddef.h>` and `<stdint.h>`, so it costs a translation unit what
/// `<mosquitto.h>` costs (see docs/c.md and docs/performance.md).
///
/// ```c
/// tern_mqtt* m = tern_mqtt_new(0);
/// tern_mqtt_config_set(m, "MQTT_BROKER_URL", "127.0.0.1");
/// tern_mqtt_on_topic(m, "home/#", on_home, &state);
/// tern_mqtt_subscribe(m, "home/#", 1, NULL);
/// if (tern_mqtt_init_app(m, NULL) != TERN_ERR_SUCCESS) { ... tern_mqtt_error_detail ... }
/// tern_mqtt_publish(m, "home/lamp", "on", 2, 1, 0, NULL);
/// tern_mqtt_destroy(m);
/// ```
///
/// **Threads.** Every function may be called from any thread, except where
/// it says otherwise. Handlers run on the object's handler thread, one at a
/// time and in order (or, with `TERN_EXTERNAL_DISPATCH`, on the thread that
/// calls `tern_mqtt_run_pending`). No function here throws or aborts: a
/// failure is a `TERN_ERR_*` result, and `tern_mqtt_error_detail` says why.
/// Log lines go to the log handlers, and to stderr only with
/// `TERN_MQTT_LOGGING` or, for WARNING and ERR, while the object is
/// destroyed (when no handler can hear them).
///
/// **Strings.** Every `const char*` argument is a NUL-terminated string,
/// copied before the call returns; a NULL one where a string is needed is
/// `TERN_ERR_INVAL`. Every pointer a handler receives is valid until the
/// handler returns.
#ifndef TERN_TERN_H
#define TERN_TERN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
/// C++ sees that no function here throws: `noexcept` there, nothing in C.
#define TERN_NOEXCEPT noexcept
extern "C" {
#else
#define TERN_NOEXCEPT
#endif

/// A facade object: one MQTT client with its configuration and handlers.
typedef struct tern_mqtt tern_mqtt;

/// Results. The values are paho's (Flask-MQTT's `MQTT_ERR_*`) and the C++
/// facade's `tern::web::mqtt_err`, so `tern_result_name` gives its name.
enum tern_err {
  TERN_ERR_AGAIN = -1,         ///< not used by this API; kept for paho's numbering
  TERN_ERR_SUCCESS = 0,        ///< done (sent, or for subscribe sent now)
  TERN_ERR_NOMEM = 1,          ///< out of memory; nothing done
  TERN_ERR_PROTOCOL = 2,       ///< on_disconnect: the broker broke the protocol
  TERN_ERR_INVAL = 3,          ///< an invalid argument or configuration; nothing done
  TERN_ERR_NO_CONN = 4,        ///< before `tern_mqtt_init_app`; for subscribe: offline, remembered and sent once connected
  TERN_ERR_CONN_REFUSED = 5,   ///< on_disconnect: the broker refused the CONNECT
  TERN_ERR_NOT_FOUND = 6,      ///< unsubscribe of a filter that is not subscribed
  TERN_ERR_CONN_LOST = 7,      ///< on_disconnect: the connection was lost
  TERN_ERR_TLS = 8,            ///< on_disconnect: the TLS handshake or session failed
  TERN_ERR_PAYLOAD_SIZE = 9,   ///< publish: the packet would exceed MQTT's 268,435,455 bytes
  TERN_ERR_NOT_SUPPORTED = 10, ///< not used by this API; kept for paho's numbering
  TERN_ERR_AUTH = 11,          ///< not used by this API (a refusal is `TERN_ERR_CONN_REFUSED`)
  TERN_ERR_ACL_DENIED = 12,    ///< not used by this API; kept for paho's numbering
  TERN_ERR_UNKNOWN = 13,       ///< an unexpected failure; `tern_mqtt_error_detail` says what
  TERN_ERR_ERRNO = 14,         ///< not used by this API (a system error is `TERN_ERR_CONN_LOST`)
  TERN_ERR_QUEUE_SIZE = 15,    ///< publish: the offline queue (MQTT_MAX_QUEUED) is full; nothing queued
  TERN_ERR_KEEPALIVE = 16,     ///< on_disconnect: no answer to a ping in time
  TERN_ERR_QUEUED = 100        ///< publish accepted while offline; it is sent once connected
};

/// Log levels (paho's `MQTT_LOG_*` values), for `tern_mqtt_on_log`.
enum tern_log_level {
  TERN_LOG_INFO = 0x01,     ///< connections, subscriptions
  TERN_LOG_NOTICE = 0x02,   ///< notable but expected
  TERN_LOG_WARNING = 0x04,  ///< problems tern works around (an unknown configuration key, ...)
  TERN_LOG_ERR = 0x08,      ///< failures (a refused connection, messages not delivered, ...)
  TERN_LOG_DEBUG = 0x10,    ///< a line per packet sent and received (paho's)
  TERN_LOG_ALL = 0x1f       ///< every level
};

/// Flags of `tern_mqtt_new`.
enum tern_new_flags {
  /// `tern_mqtt_init_app` returns at once instead of waiting for the first
  /// connection attempt (Flask-MQTT's `connect_async`).
  TERN_CONNECT_ASYNC = 0x01,
  /// Also write every log line to stderr (`[tern.web] LEVEL text`).
  TERN_MQTT_LOGGING = 0x02,
  /// No handler thread: handlers run in `tern_mqtt_run_pending`, on the
  /// thread that calls it (an event loop polling `tern_mqtt_dispatch_fd`).
  TERN_EXTERNAL_DISPATCH = 0x04
};

/// A received message, as a message handler gets it. The pointers are valid
/// until the handler returns; copy what must outlive it.
typedef struct tern_message {
  const char* topic;    ///< the topic name, NUL-terminated
  size_t topic_len;     ///< its length in bytes, without the NUL
  const void* payload;  ///< the payload's bytes as sent, followed by a NUL byte (so text may be read as a string)
  size_t payload_len;   ///< the payload's length in bytes, without that NUL
  int qos;              ///< the QoS it was delivered with (at most the subscription's)
  int retain;           ///< 1: a retained message the broker sent on subscribe
  int dup;              ///< 1: a QoS 1/2 message the broker may have sent before
  uint16_t mid;         ///< its packet identifier (0 at QoS 0)
} tern_message;

/// What `tern_mqtt_status` reports.
typedef struct tern_status {
  int connected;             ///< 1: a CONNACK accepted the current connection, still open
  int last_connack_code;     ///< the last CONNACK's return code; -1 before any
  uint64_t reconnects;       ///< accepted connections after the first
  uint64_t inflight;         ///< QoS 1/2 messages sent, not yet acknowledged
  uint64_t queued;           ///< messages waiting to be sent
  uint64_t dropped;          ///< events dropped because the handler queue was full
  uint64_t messages_in;      ///< messages received
  uint64_t messages_out;     ///< publishes completed (QoS 0 written, QoS 1/2 acknowledged)
} tern_status;

/// A CONNACK: `rc` 0 accepted, 1-5 refused; `session_present` 1 when the
/// broker resumed a stored session.
typedef void (*tern_connect_cb)(tern_mqtt* m, void* userdata, int session_present, int rc);
/// An established connection ended: `rc` 0 after `tern_mqtt_disconnect`,
/// otherwise a `TERN_ERR_*` saying why (`tern_mqtt_connection_error` has the detail).
typedef void (*tern_disconnect_cb)(tern_mqtt* m, void* userdata, int rc);
/// A message (see `tern_message` for how long it stays valid).
typedef void (*tern_message_cb)(tern_mqtt* m, void* userdata, const tern_message* msg);
/// A publish completed (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP), or an
/// UNSUBACK: the request's `mid`.
typedef void (*tern_mid_cb)(tern_mqtt* m, void* userdata, uint16_t mid);
/// A SUBACK: the QoS granted per filter, in the order subscribed (0x80: refused).
typedef void (*tern_subscribe_cb)(tern_mqtt* m, void* userdata, uint16_t mid, const int* granted_qos,
                                  size_t count);
/// A log line: `level` is one `TERN_LOG_*`, `text` NUL-terminated.
typedef void (*tern_log_cb)(tern_mqtt* m, void* userdata, int level, const char* text);

/// tern's version, "major.minor.patch". A static string.
const char* tern_version(void) TERN_NOEXCEPT;

/// The name of a result: "MQTT_ERR_SUCCESS", ... ("MQTT_ERR_QUEUED" for
/// `TERN_ERR_QUEUED`); "MQTT_ERR_UNKNOWN" for a number that is none. A
/// static string.
const char* tern_result_name(int result) TERN_NOEXCEPT;

/// A new facade object, not yet connected: set its configuration, register
/// handlers, subscribe, then `tern_mqtt_init_app`. `flags`: a bitwise or of
/// `tern_new_flags`, or 0. NULL when out of memory or `flags` has an
/// unknown bit. Free it with `tern_mqtt_destroy`.
tern_mqtt* tern_mqtt_new(unsigned flags) TERN_NOEXCEPT;

/// Stops the client as `tern_mqtt_stop` does with MQTT_STOP_LINGER, except
/// that no handler runs for the stop's events (the messages not delivered
/// are named in an ERR line on stderr), and frees the object. No handler
/// starts after it returns; one running finishes first. May be called from
/// a handler of `m` (the rest is freed when that handler returns). No other
/// call on `m` may be under way, except in that running handler, and `m`
/// must not be used after. NULL: nothing.
void tern_mqtt_destroy(tern_mqtt* m) TERN_NOEXCEPT;

/// Sets configuration key `key` (`MQTT_BROKER_URL`, `MQTT_KEEPALIVE`, ...,
/// docs/web.md lists them) to `value`, parsed as the key's type when
/// `tern_mqtt_init_app` reads it ("1883", "true", "0.25"); NULL removes the
/// key. Later calls replace earlier values. Before `tern_mqtt_init_app`.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_INVAL` for a NULL or empty key,
///   or once `tern_mqtt_init_app` has read the configuration (from its
///   start, on any thread; a failed one gives it back).
int tern_mqtt_config_set(tern_mqtt* m, const char* key, const char* value) TERN_NOEXCEPT;

/// Adds every environment variable to the configuration (replacing keys
/// set before), as `tern::web::env_config`. Before `tern_mqtt_init_app`.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_INVAL` after `tern_mqtt_init_app`.
int tern_mqtt_config_from_env(tern_mqtt* m) TERN_NOEXCEPT;

/// Adds the keys of a configuration file (JSON for `.json`; INI for `.ini`,
/// `.cfg`, `.conf`, `.env`), replacing keys set before. Before
/// `tern_mqtt_init_app`.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_INVAL` when the file cannot be
///   read or does not parse (`tern_mqtt_error_detail` names the file and
///   line; nothing is added), or after `tern_mqtt_init_app`.
int tern_mqtt_config_from_file(tern_mqtt* m, const char* path) TERN_NOEXCEPT;

/// Reads the keys `<prefix>_*` of the configuration (`prefix` NULL:
/// "MQTT"), reports unknown keys at WARNING with the closest known one,
/// creates the client, sends the subscriptions made so far once connected,
/// and connects. Without `TERN_CONNECT_ASYNC` it blocks until the first
/// attempt ends (CONNACK or failure, at most twice MQTT_CONNECTION_TIMEOUT
/// plus a second). Either way the client keeps reconnecting; on_connect,
/// on_disconnect and `tern_mqtt_status` say how it went. Not from a handler.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_INVAL` for a value of the wrong
///   type or out of range (`tern_mqtt_error_detail` names the key), or when
///   called twice.
int tern_mqtt_init_app(tern_mqtt* m, const char* prefix) TERN_NOEXCEPT;

/// Sends DISCONNECT and stops reconnecting (on_disconnect then gets rc 0).
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_NO_CONN` before `tern_mqtt_init_app`.
int tern_mqtt_disconnect(tern_mqtt* m) TERN_NOEXCEPT;

/// Stops the client: what was published is delivered within `linger_ms`
/// (negative: MQTT_STOP_LINGER; the wait ends early once all is delivered),
/// then DISCONNECT; every message not delivered is named in one ERR log
/// line. Returns once the stop's own handler events ran (on_publish of the
/// messages delivered), unless a handler holds the handler thread for over
/// a second. Not from a handler. After it the object only reports: a
/// publish answers `TERN_ERR_QUEUED` and is never sent.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_NO_CONN` before `tern_mqtt_init_app`.
int tern_mqtt_stop(tern_mqtt* m, int linger_ms) TERN_NOEXCEPT;

/// @name Handlers
/// Each registers `cb`, to be called with `userdata`, and returns an id for
/// `tern_mqtt_remove_handler`; 0 when `m` or `cb` is NULL or memory runs
/// out. Several handlers of one kind all run, in the order registered.
///@{

/// A CONNACK. Registered while connected, it is also called at once (on the
/// handler thread) with the current connection's flags.
uint64_t tern_mqtt_on_connect(tern_mqtt* m, tern_connect_cb cb, void* userdata) TERN_NOEXCEPT;
/// An established connection ended.
uint64_t tern_mqtt_on_disconnect(tern_mqtt* m, tern_disconnect_cb cb, void* userdata) TERN_NOEXCEPT;
/// Messages that no `tern_mqtt_on_topic` handler matches.
uint64_t tern_mqtt_on_message(tern_mqtt* m, tern_message_cb cb, void* userdata) TERN_NOEXCEPT;
/// Messages whose topic matches `filter` (wildcards and `$share/<group>/`
/// allowed); they then skip `tern_mqtt_on_message`. Subscribing is still up
/// to you. 0 also for an invalid filter.
uint64_t tern_mqtt_on_topic(tern_mqtt* m, const char* filter, tern_message_cb cb, void* userdata) TERN_NOEXCEPT;
/// A publish completed: QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP.
uint64_t tern_mqtt_on_publish(tern_mqtt* m, tern_mid_cb cb, void* userdata) TERN_NOEXCEPT;
/// A SUBACK.
uint64_t tern_mqtt_on_subscribe(tern_mqtt* m, tern_subscribe_cb cb, void* userdata) TERN_NOEXCEPT;
/// An UNSUBACK.
uint64_t tern_mqtt_on_unsubscribe(tern_mqtt* m, tern_mid_cb cb, void* userdata) TERN_NOEXCEPT;
/// Log lines of the levels in `levels` (a bitwise or of `tern_log_level`).
/// While a handler takes `TERN_LOG_DEBUG`, the client formats a line per
/// packet; without one it never does.
uint64_t tern_mqtt_on_log(tern_mqtt* m, unsigned levels, tern_log_cb cb, void* userdata) TERN_NOEXCEPT;
/// Removes a handler; returns 1 if it was registered, else 0. No new call
/// of it starts, but one already running on the handler thread finishes:
/// free its `userdata` from a handler of the same object (handlers run one
/// at a time), or after `tern_mqtt_destroy`.
int tern_mqtt_remove_handler(tern_mqtt* m, uint64_t id) TERN_NOEXCEPT;
///@}

/// Publishes `payload_len` bytes of `payload` (NULL when 0) on `topic` at
/// `qos` (0-2), retained when `retain` is 1. The payload is copied. `mid`,
/// when not NULL, receives the message's id (0 when nothing was sent or
/// queued), which on_publish reports once done.
/// @return `TERN_ERR_SUCCESS` when connected; `TERN_ERR_QUEUED` when
///   offline (sent once connected); `TERN_ERR_QUEUE_SIZE` when the offline
///   queue is full; `TERN_ERR_INVAL` for an invalid topic or QoS;
///   `TERN_ERR_PAYLOAD_SIZE` for a payload too large for MQTT;
///   `TERN_ERR_NO_CONN` before `tern_mqtt_init_app`.
int tern_mqtt_publish(tern_mqtt* m, const char* topic, const void* payload, size_t payload_len, int qos,
                      int retain, uint16_t* mid) TERN_NOEXCEPT;

/// Subscribes (desired state): the filter is remembered, sent now when
/// connected or after the next CONNACK, and again after every reconnect
/// that did not resume the session. `mid` as for `tern_mqtt_publish`.
/// @return `TERN_ERR_SUCCESS` (sent now); `TERN_ERR_NO_CONN` (sent once
///   connected); `TERN_ERR_INVAL` for an invalid filter or QoS (nothing
///   remembered).
int tern_mqtt_subscribe(tern_mqtt* m, const char* filter, int qos, uint16_t* mid) TERN_NOEXCEPT;

/// Forgets a subscription and sends UNSUBSCRIBE (now, or once connected).
/// @return `TERN_ERR_SUCCESS` or `TERN_ERR_NO_CONN` as for subscribe;
///   `TERN_ERR_NOT_FOUND` if `filter` is not subscribed.
int tern_mqtt_unsubscribe(tern_mqtt* m, const char* filter, uint16_t* mid) TERN_NOEXCEPT;

/// Fills `*out` with the object's state.
/// @return `TERN_ERR_SUCCESS`; `TERN_ERR_INVAL` when `m` or `out` is NULL.
int tern_mqtt_status(const tern_mqtt* m, tern_status* out) TERN_NOEXCEPT;

/// @name Text out
/// Each writes a NUL-terminated string into `buf` (at most `size` bytes,
/// cut short if need be, nothing when `size` is 0) and returns the whole
/// string's length, as `snprintf` does: call with `size` 0 to learn it.
///@{

/// The client identifier sent in CONNECT (generated when MQTT_CLIENT_ID is
/// empty); "" before `tern_mqtt_init_app`.
size_t tern_mqtt_client_id(const tern_mqtt* m, char* buf, size_t size) TERN_NOEXCEPT;
/// Why the last call on `m` that failed (returned an error, or 0 for a
/// handler) failed: a configuration key's problem, a bad argument; "" when
/// none has. Calls that succeed leave it alone, as with `errno`; unlike
/// `errno` it is one per object, shared by all threads.
size_t tern_mqtt_error_detail(const tern_mqtt* m, char* buf, size_t size) TERN_NOEXCEPT;
/// Why the connection was last refused or lost ("connection refused:
/// not authorized", "keep-alive timeout", ...); "" when it never was.
size_t tern_mqtt_connection_error(const tern_mqtt* m, char* buf, size_t size) TERN_NOEXCEPT;
///@}

/// @name External dispatch (`TERN_EXTERNAL_DISPATCH`)
///@{

/// A file descriptor that is readable while handler events wait: add it to
/// your poll/epoll/libuv loop and call `tern_mqtt_run_pending` when it is.
/// -1 without `TERN_EXTERNAL_DISPATCH`.
int tern_mqtt_dispatch_fd(const tern_mqtt* m) TERN_NOEXCEPT;
/// Runs at most `max` waiting handler events on the calling thread (0: all
/// waiting now); returns how many ran. One thread at a time. 0 without
/// `TERN_EXTERNAL_DISPATCH`, and from a handler (which would otherwise run
/// later events inside an earlier one).
size_t tern_mqtt_run_pending(tern_mqtt* m, size_t max) TERN_NOEXCEPT;
///@}

#ifdef __cplusplus
}
#endif

#endif
