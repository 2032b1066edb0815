#pragma once
// The Boost.Beast binding of tern::web::mqtt: MQTT over HTTP and WebSocket
// for a browser. Serves, under a prefix (default `/mqtt`), the endpoints of
// tern::web::bridge — JSON requests, a Server-Sent-Events stream — and a
// WebSocket (`<prefix>/ws`) speaking the bridge's JSON protocol both ways.
// Everything runs on the application's Boost.Asio `io_context`; the facade
// keeps its own threads (standalone Asio) and only posts to the binding's
// connections. See docs/web.md ("Boost.Beast binding").
//
//   boost::asio::io_context ioc;
//   tern::web::mqtt mqtt;
//   tern::beast_binding::binding web(ioc, mqtt, {.bridge = {.open_access = true}});
//   web.start(tern::web::env_config{});      // mqtt.init_app(...)
//   web.listen("127.0.0.1", 8080);
//   ioc.run();                               // until web.stop()

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tern/web/bridge.hpp"

namespace tern::web {
class mqtt;
class config_source;
}  // namespace tern::web

namespace tern::beast_binding {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

/// How the endpoints behave.
struct options {
  /// The path prefix of every endpoint: `/mqtt` gives `/mqtt/publish`,
  /// `/mqtt/events`, `/mqtt/ws`, ... No trailing '/'.
  std::string prefix = "/mqtt";
  /// Event streams and WebSockets open at once; one more gets 503 (it
  /// replaces the bridge's `max_streams`). A connection costs a socket and
  /// its queue, not a thread: thousands are fine (mind `ulimit -n`).
  std::size_t max_streams = 4096;
  /// A WebSocket that sent nothing for this long is pinged; one that then
  /// stays silent for as long again is closed. Event streams get a
  /// keep-alive comment at `bridge.keepalive_interval`.
  std::chrono::milliseconds ping_interval{15'000};
  /// The largest request body (POST); a larger one gets 413.
  std::size_t max_request_body = 1024 * 1024;
  /// The bridge: queues, keep-alives, the largest WebSocket message
  /// (`max_socket_message`), and who may do what (access rules, an
  /// authorization hook, open access, allowed origins; docs/web.md).
  web::bridge_options bridge{};
  /// The identity of a request (for the access rules and the hook): what the
  /// application's login established, read from the request (a header its
  /// proxy sets, a session cookie). For a WebSocket, the upgrade request.
  std::function<std::string(const request&)> identify{};
  /// Answers requests outside the prefix (the application's own pages);
  /// nothing, or no function: 404.
  std::function<std::optional<response>(const request&)> fallback{};
};

/// The endpoints of one `tern::web::mqtt`, served by Boost.Beast on an
/// `io_context` the application runs.
///
/// **Threads:** the application calls `ioc.run()` on as many threads as it
/// likes; each connection is a strand. The facade's own threads never touch
/// a Beast object: a message for a stream or socket is queued in the bridge
/// and the connection is woken with `boost::asio::post`.
///
/// **Lifetime:** `ioc` and the facade must outlive the binding. Destroying it
/// closes every connection (as `stop`, without disconnecting the facade).
///
/// **Thread safety:** all member functions are thread-safe; `stop` may be
/// called from a signal-handling thread.
class binding {
 public:
  /// Registers the bridge on `mqtt`. Neither connects nor listens.
  binding(boost::asio::io_context& ioc, web::mqtt& mqtt, options opts = {});
  ~binding();
  binding(const binding&) = delete;
  binding& operator=(const binding&) = delete;

  /// Connects the facade: `mqtt.init_app(config)`. Skip it when the
  /// application initialises the facade itself.
  void start(const web::config_source& config);

  /// Accepts connections on `host:port` (0: any free port) from now on, on
  /// the `io_context`; returns the port, or 0 when it cannot listen (the
  /// reason is in `last_error`).
  unsigned short listen(const std::string& host, unsigned short port);
  /// Serves a connection the application accepted itself.
  void serve(boost::asio::ip::tcp::socket socket);

  /// Stops accepting, ends every event stream (a clean end of its chunked
  /// body) and WebSocket (close code 1001, "going away"), closes the other
  /// connections, and disconnects the facade. `ioc.run()` returns once the
  /// application has no other work on it. Idempotent.
  void stop();

  /// Stream and socket counters.
  web::stream_stats stats() const;
  /// Why `listen` failed.
  std::string last_error() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tern::beast_binding
