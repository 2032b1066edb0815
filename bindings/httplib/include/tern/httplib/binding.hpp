#pragma once
// The cpp-httplib binding of tern::web::mqtt: MQTT over HTTP for a browser.
// Attaches a facade to an `httplib::Server` and serves, under a prefix
// (default `/mqtt`), a Server-Sent-Events stream of received messages and
// JSON endpoints to publish, subscribe, unsubscribe and read the status.
// See docs/web.md ("cpp-httplib binding").
//
//   httplib::Server server;
//   tern::web::mqtt mqtt;
//   tern::httplib_binding::binding mqtt_http(server, mqtt);   // routes under /mqtt
//   mqtt_http.start(tern::web::env_config{});                  // mqtt.init_app(...)
//   mqtt_http.listen("127.0.0.1", 5000);                       // until mqtt_http.stop()
//
// Build with the flags of Debian's `cpp-httplib` pkg-config file (meson's
// `tern_httplib_dep` carries them): the library is compiled with OpenSSL,
// zlib and Brotli support, and those macros change the layout of its types.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
class Server;
}

namespace tern::web {
class mqtt;
class config_source;
}  // namespace tern::web

namespace tern::httplib_binding {

/// How the endpoints behave.
struct options {
  /// The path prefix of every endpoint: `/mqtt` gives `/mqtt/publish`, ...
  /// No trailing '/'.
  std::string prefix = "/mqtt";
  /// Messages that may wait for one slow event-stream client; beyond this,
  /// new ones are dropped for that client (drop-newest) and counted.
  std::size_t stream_queue_size = 256;
  /// Event streams open at once; one more gets 503. Each open stream holds
  /// one of the server's worker threads until it ends (cpp-httplib serves a
  /// connection per thread: 8 threads by default, see `server_threads`), so
  /// keep this below that number or the other endpoints starve.
  std::size_t max_streams = 4;
  /// A comment line (`: keep-alive`) is written to an idle stream this
  /// often, so that proxies keep it open and a client that vanished without
  /// closing the connection is noticed (the write fails). A client that
  /// closes the connection is noticed within about 0.25 s either way.
  std::chrono::milliseconds keepalive_interval{15'000};
};

/// What `binding::stats()` reports.
struct stream_stats {
  std::size_t open_streams = 0;    ///< event streams open now
  std::uint64_t streams_served = 0;  ///< event streams opened so far
  std::uint64_t events_sent = 0;   ///< messages written to some stream
  std::uint64_t dropped = 0;       ///< messages dropped because a stream's queue was full
};

/// The endpoints of one `tern::web::mqtt` on one `httplib::Server`.
///
/// Endpoints (JSON bodies and answers in docs/web.md):
/// - `GET  <prefix>/events?topic=FILTER[&topic=FILTER2...]`: Server-Sent Events,
///   one `data:` line of JSON per message received by the facade whose topic
///   matches a filter (no `topic`: `#`). The stream does not subscribe:
///   subscriptions are made with `<prefix>/subscribe` (or by the application).
/// - `POST <prefix>/publish`, `<prefix>/subscribe`, `<prefix>/unsubscribe`,
///   `<prefix>/unsubscribe_all`, `GET <prefix>/status`.
/// A malformed body, a missing or wrongly typed field, an unknown field or an
/// invalid topic is answered with 400 and `{"error": "..."}` naming it.
///
/// Messages reach the streams through an `on_every_message` handler of the
/// facade, after the application's `on_topic` and `on_message` handlers, so
/// a stream shows every message its filters match.
///
/// **Lifetime:** the server and the facade must outlive the binding. The
/// routes stay registered on the server after the binding is destroyed; they
/// then answer 503.
///
/// **Thread safety:** all member functions are thread-safe; `stop` may be
/// called from a signal-handling thread.
class binding {
 public:
  /// Registers the routes on `server` and an `on_every_message` handler on `mqtt`.
  /// Neither connects nor listens.
  binding(::httplib::Server& server, web::mqtt& mqtt, options opts = {});
  /// Ends every event stream and removes the facade handler; does not stop
  /// the server or disconnect the facade (see `stop`).
  ~binding();
  binding(const binding&) = delete;
  binding& operator=(const binding&) = delete;

  /// Connects the facade: `mqtt.init_app(config)`. Skip it when the
  /// application initialises the facade itself.
  /// @throws what `init_app` throws (`web::config_error`, `std::logic_error`).
  void start(const web::config_source& config);

  /// Serves on `host:port` until `stop()` (or `server.stop()`); then ends the
  /// streams and disconnects the facade. Returns false if it cannot bind.
  bool listen(const std::string& host, int port);
  /// As `listen`, for a server already bound (`bind_to_port`, `bind_to_any_port`).
  bool listen_after_bind();

  /// Ends every event stream at once (each gets a clean end of its chunked
  /// body), stops the server (`listen` returns) and disconnects the facade.
  /// Idempotent.
  void stop();

  /// Stream counters.
  stream_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Gives `server` a pool of `n` worker threads (cpp-httplib's default is 8,
/// or the number of cores less one if that is more): each open event stream
/// holds one. Call before `listen`.
void set_server_threads(::httplib::Server& server, std::size_t n);

}  // namespace tern::httplib_binding
