#pragma once
// tern::web::bridge: MQTT over HTTP for a browser, as plain data, for any
// HTTP framework. A binding turns its framework's request into an
// `http_request`, writes back the `http_response`, and pumps the
// `event_stream` of a `GET <prefix>/events`; everything else — validation,
// answers, status codes, Server-Sent-Events framing, per-stream queues,
// access rules — lives here. See docs/web.md ("The HTTP bridge").
//
//   tern::web::mqtt mqtt;
//   tern::web::bridge http(mqtt, {.rules = {{"users/%u/#", tern::web::access::read_write}}});
//   auto res = http.handle({.method = "POST", .path = "/publish", .body = ..., .identity = user});

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::web {

/// What a request is allowed to do with a topic.
enum class access : std::uint8_t {
  read = 1,        ///< receive: an event stream's filters, subscribe, unsubscribe
  write = 2,       ///< publish
  read_write = 3,
};

/// One allow rule, as mosquitto's ACL `pattern` lines: `pattern` is a topic
/// filter in which `%u` stands for the request's identity. A publish needs
/// a `write` rule whose pattern matches its topic; a subscription (or an
/// event stream) needs a `read` rule whose pattern covers its whole filter
/// (`users/%u/#` allows `users/ann/inbox` and `users/ann/#` to `ann`, not
/// `users/#` nor `#`). A rule with `%u` never applies to a request without
/// identity, nor to an identity holding '/', '+' or '#'.
struct access_rule {
  std::string pattern{};         ///< a topic filter, with `%u` for the identity
  access allows = access::read;  ///< what it allows on the topics it matches
};

/// What the authorization hook is asked.
struct access_request {
  /// What the request would do: publish to a topic, subscribe or
  /// unsubscribe a filter, or read a stream of a filter's messages.
  enum class action : std::uint8_t { publish, subscribe, unsubscribe, read_stream };
  action what = action::publish;  ///< the action asked for
  std::string_view identity;  ///< as the binding or the application established it; may be empty
  std::string_view topic;     ///< a topic name (publish) or a filter
};

/// Answers an access request: nothing to allow it, or the reason it is denied.
using authorizer = std::function<std::optional<std::string>(const access_request&)>;

/// How the bridge behaves.
struct bridge_options {
  /// Messages that may wait for one slow event stream; beyond this, new
  /// ones are dropped for that stream (drop-newest), counted, and reported
  /// to it in a `dropped` event.
  std::size_t stream_queue_size = 256;
  /// Event streams and WebSockets open at once; one more gets 503.
  std::size_t max_streams = 64;
  /// A comment line (`: keep-alive`) goes to an idle stream this often, so
  /// that proxies keep it open and a vanished client is noticed.
  std::chrono::milliseconds keepalive_interval{15'000};
  /// An event stream subscribes its filters on the broker (reference
  /// counted, see `mqtt::hold_subscription`) while it is open. Off: a
  /// stream only shows what the application subscribed.
  bool streams_subscribe = true;

  // ---- who may do what ------------------------------------------------

  /// Allow rules (see `access_rule`). With rules, every publish, subscribe,
  /// unsubscribe and stream needs one.
  std::vector<access_rule> rules{};
  /// Called for every publish, subscribe, unsubscribe and stream (after the
  /// rules, if any): allow or deny with a reason.
  authorizer authorize{};
  /// With neither rules nor a hook, the endpoints that change something
  /// (publish, subscribe, unsubscribe, unsubscribe_all) answer 403 unless
  /// this is set: anyone who reaches the port may then publish and
  /// subscribe. Event streams and status are allowed either way.
  bool open_access = false;
  /// When not empty, a request whose `Origin` header is present and not in
  /// this list is refused (403): other sites' pages cannot use the endpoints
  /// with the visitor's cookies.
  std::vector<std::string> allowed_origins{};

  // ---- WebSockets (a binding that has them: tern-beast) ------------------

  /// The largest WebSocket message a client may send, in bytes; a larger
  /// one closes its socket (code 1009, "message too big").
  std::size_t max_socket_message = 64 * 1024;
};

/// A request, as a binding hands it over.
struct http_request {
  std::string_view method{};  ///< "GET", "POST", ...
  std::string_view path{};    ///< after the binding's prefix: "/publish", "/events", ...
  /// Query parameters, decoded, in order (a key may repeat: `topic`).
  std::vector<std::pair<std::string, std::string>> query{};
  std::string_view body{};          ///< the request's body, as received
  std::string_view content_type{};  ///< the Content-Type header, as sent
  std::string_view origin{};        ///< the Origin header; empty when absent
  /// Who asks, as the application's login established it (a header set by
  /// its middleware, a session cookie, a token); empty: nobody in particular.
  std::string_view identity{};
};

/// An answer: status, content type and body, for the binding to write.
struct http_response {
  int status = 200;                                ///< the HTTP status
  std::string content_type = "application/json";  ///< the Content-Type to send
  std::string body{};                              ///< the body to send
};

/// Counters of a bridge's event streams.
struct stream_stats {
  std::size_t open_streams = 0;      ///< open now
  std::uint64_t streams_served = 0;  ///< opened so far
  std::uint64_t events_sent = 0;     ///< messages taken by some stream
  std::uint64_t dropped = 0;         ///< messages dropped because a stream's (or socket's) queue was full
  std::size_t open_sockets = 0;      ///< WebSockets open now
  std::uint64_t sockets_served = 0;  ///< WebSockets opened so far
};

class bridge;
namespace detail {
struct stream_state;
}

/// One open `GET <prefix>/events`: the messages whose topic matches its
/// filters, framed as Server-Sent Events, in a bounded queue. The binding
/// pumps it: `take()` what there is and write it; `wait()` (a thread per
/// connection) or `on_ready()` (an event loop) to learn when there is more;
/// `close()` when the client is gone.
///
/// **Thread safety:** all members are thread-safe.
class event_stream {
 public:
  /// Made by `bridge::open_stream`.
  explicit event_stream(std::shared_ptr<detail::stream_state> s);
  ~event_stream();
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  /// What to write now: at first the opening (`retry:` and a comment), then
  /// the waiting events and a `dropped` event when some were dropped; a
  /// keep-alive comment when nothing was written for the keep-alive
  /// interval; else empty.
  std::string take();
  /// Blocks until there is something to take, the stream is closed, or
  /// `timeout` passes; returns whether there is something to take.
  bool wait(std::chrono::milliseconds timeout);
  /// `f` is called (on the facade's network thread, or the closing thread;
  /// briefly: post, don't work) whenever the stream goes from nothing to
  /// take to something, and when it is closed.
  void on_ready(std::function<void()> f);
  /// True once closed, by `close()` or by the bridge (stop or destruction).
  bool closed() const;
  /// Ends the stream: no more events; its subscriptions are released.
  void close();
  /// Its filters, as asked (`#` when none was).
  const std::vector<std::string>& filters() const noexcept;

 private:
  std::shared_ptr<detail::stream_state> s_;
};

/// One open WebSocket of the bridge's JSON protocol (docs/web.md, "The
/// WebSocket protocol"): requests in (`receive`), frames out (`take`), the
/// messages of the filters it watches in a bounded queue. The binding owns
/// the socket: it reads text messages and hands them over, writes what
/// `take()` gives as one text frame, learns of more through `on_ready`,
/// keeps the connection alive with pings, and closes the session when the
/// socket ends.
///
/// **Thread safety:** all members are thread-safe.
class socket_session {
 public:
  /// Made by `bridge::open_socket`.
  explicit socket_session(std::shared_ptr<detail::stream_state> s);
  ~socket_session();
  socket_session(const socket_session&) = delete;
  socket_session& operator=(const socket_session&) = delete;

  /// Answers one text message from the client: its reply (or an error
  /// event) is queued for `take`. Returns false when the socket must be
  /// closed (the reason is `close_reason()`): the client sends requests but
  /// does not read their replies.
  bool receive(std::string_view text);
  /// The next frame to send: one or more events, one JSON object per line
  /// (`ready` first, then replies, messages, and a `dropped` notice when the
  /// queue overflowed); empty when there is nothing.
  std::string take();
  /// As `event_stream::on_ready`.
  void on_ready(std::function<void()> f);
  /// Whether the session has ended (`close()`, or the bridge closed its streams).
  bool closed() const;
  /// Ends the session: no more events; its watched filters are released.
  void close();
  /// Why `receive` asked to close the socket.
  std::string_view close_reason() const noexcept;
  /// The filters it watches now.
  std::vector<std::string> filters() const;

 private:
  std::shared_ptr<detail::stream_state> s_;
};

/// The HTTP API of one `tern::web::mqtt`, as plain data.
///
/// Endpoints (paths after the binding's prefix; bodies in docs/web.md):
/// `POST /publish`, `/subscribe`, `/unsubscribe`, `/unsubscribe_all` (JSON
/// bodies, `Content-Type: application/json`, else 415), `GET /status`,
/// and `GET /events?topic=FILTER[&topic=...]` through `open_stream`.
/// A malformed body, a missing, unknown or wrongly typed field, or an
/// invalid topic: 400 with `{"error": "..."}` naming it; a denied request:
/// 403 with the reason.
///
/// **Lifetime:** the facade must outlive the bridge. Streams may outlive it:
/// they are closed when it goes.
///
/// **Thread safety:** all member functions are thread-safe.
class bridge {
 public:
  /// Registers an `on_every_message_arrival` handler on `mqtt` (removed by the
  /// destructor), which feeds the streams.
  explicit bridge(mqtt& mqtt, bridge_options options = {});
  ~bridge();
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  /// Answers every endpoint but `/events`; an unknown path is 404.
  http_response handle(const http_request& request);
  /// Opens an event stream for `GET /events`, or refuses it with the
  /// answer to send (400, 403, 503).
  std::variant<std::shared_ptr<event_stream>, http_response> open_stream(const http_request& request);
  /// Opens a WebSocket session for `GET /ws` (the binding has checked that
  /// it is a WebSocket upgrade), watching the `topic` query parameters'
  /// filters (none: it watches nothing until it asks), or refuses it with
  /// the answer to send instead of the upgrade (400, 403, 503). Sockets and
  /// event streams share `max_streams`.
  std::variant<std::shared_ptr<socket_session>, http_response> open_socket(const http_request& request);
  /// Closes every stream and socket, and refuses new ones from now on.
  void close_streams();
  /// The streams' and sockets' counters. Any thread.
  stream_stats stats() const;
  /// The options it was made with.
  const bridge_options& options() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tern::web
