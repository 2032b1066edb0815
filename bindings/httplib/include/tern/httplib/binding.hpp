#pragma once
// The cpp-httplib binding of tern::web::mqtt: MQTT over HTTP for a browser.
// Attaches a facade to an `httplib::Server` and serves, under a prefix
// (default `/mqtt`), the endpoints of tern::web::bridge: a Server-Sent-Events
// stream of received messages and JSON endpoints to publish, subscribe,
// unsubscribe and read the status. The binding only adapts cpp-httplib's
// requests, responses and streaming to the bridge.
// See docs/web.md ("cpp-httplib binding").
//
//   httplib::Server server;
//   tern::web::mqtt mqtt;
//   tern::httplib_binding::binding mqtt_http(server, mqtt, {.bridge = {.open_access = true}});
//   mqtt_http.start(tern::web::env_config{});                  // mqtt.init_app(...)
//   mqtt_http.listen("127.0.0.1", 5000);                       // until mqtt_http.stop()
//
// Build with the flags of Debian's `cpp-httplib` pkg-config file (meson's
// `tern_httplib_dep` carries them): the library is compiled with OpenSSL,
// zlib and Brotli support, and those macros change the layout of its types.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "tern/web/bridge.hpp"

namespace httplib {
class Server;
class Request;
}  // namespace httplib

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
  /// Event streams open at once; one more gets 503 (it replaces the
  /// bridge's `max_streams`). Each open stream holds one of the server's
  /// worker threads until it ends (cpp-httplib serves a connection per
  /// thread: 8 threads by default, see `set_server_threads`), so keep this
  /// below that number or the other endpoints starve.
  std::size_t max_streams = 4;
  /// The bridge: stream queues, keep-alives, and who may do what (access
  /// rules, an authorization hook, open access, allowed origins; see
  /// docs/web.md).
  web::bridge_options bridge{};
  /// The identity of a request, for the access rules and the hook: what the
  /// application's login established (a header its proxy sets, a session
  /// cookie it checks). Empty: every request is anonymous.
  std::function<std::string(const ::httplib::Request&)> identify{};
};

using stream_stats = web::stream_stats;

/// The endpoints of one `tern::web::mqtt` on one `httplib::Server`: the
/// bridge's (`tern::web::bridge`, docs/web.md) under `prefix`, with
/// `GET <prefix>/events` served as a chunked `text/event-stream` response.
///
/// **Lifetime:** the server and the facade must outlive the binding. The
/// routes stay registered on the server after the binding is destroyed; they
/// then answer 503.
///
/// **Thread safety:** all member functions are thread-safe; `stop` may be
/// called from a signal-handling thread.
class binding {
 public:
  /// Registers the routes on `server` and the bridge on `mqtt`.
  /// Neither connects nor listens.
  binding(::httplib::Server& server, web::mqtt& mqtt, options opts = {});
  /// Ends every event stream and detaches the bridge; does not stop the
  /// server or disconnect the facade (see `stop`).
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
