#include "tern/httplib/binding.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <shared_mutex>
#include <thread>
#include <variant>

#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::httplib_binding {

namespace {

using clock_type = std::chrono::steady_clock;

// How long an idle stream's content provider waits for messages before it
// checks that its client is still there and returns to cpp-httplib, which
// then checks whether the server is stopping: a client closing its socket,
// and `server.stop()` alone, end a stream this fast.
constexpr std::chrono::milliseconds poll_slice{250};

// cpp-httplib's route patterns are regular expressions; the prefix is not.
std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

options normalized(options o) {
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  o.bridge.max_streams = o.max_streams == 0 ? 1 : o.max_streams;
  return o;
}

void write(::httplib::Response& res, const web::http_response& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type);
}

}  // namespace

struct binding::impl {
  impl(::httplib::Server& s, web::mqtt& m, options o)
      : server(s), opts(normalized(std::move(o))), facade(&m), bridge(std::make_unique<web::bridge>(m, opts.bridge)) {}

  ::httplib::Server& server;
  const options opts;
  // Route handlers hold it shared while they use the bridge and the facade;
  // ~binding takes it exclusively to detach (the routes outlive the binding,
  // the facade need not).
  mutable std::shared_mutex m;
  web::mqtt* facade;
  std::unique_ptr<web::bridge> bridge;
  std::atomic<bool> listening{false};
  std::atomic<bool> stopped{false};

  web::http_request request_of(const ::httplib::Request& req, std::string_view path, const std::string& identity) {
    web::http_request r;
    r.method = req.method;
    r.path = path;
    for (const auto& [k, v] : req.params) r.query.emplace_back(k, v);
    r.body = req.body;
    r.identity = identity;
    return r;
  }

  std::string identity_of(const ::httplib::Request& req) const { return opts.identify ? opts.identify(req) : ""; }

  static web::http_response detached() {
    return {503, "application/json", R"({"error":"the MQTT binding has been detached from this server"})"};
  }

  void endpoint(const ::httplib::Request& req, ::httplib::Response& res, std::string_view path) {
    std::shared_lock lock(m);
    if (!bridge) return write(res, detached());
    // Header values are copied: the request's strings must outlive the views.
    std::string content_type = req.get_header_value("Content-Type"), origin = req.get_header_value("Origin");
    auto identity = identity_of(req);
    auto r = request_of(req, path, identity);
    r.content_type = content_type;
    r.origin = origin;
    write(res, bridge->handle(r));
  }

  void events(const ::httplib::Request& req, ::httplib::Response& res, const std::shared_ptr<impl>& self) {
    std::shared_lock lock(m);
    if (!bridge) return write(res, detached());
    std::string origin = req.get_header_value("Origin");
    auto identity = identity_of(req);
    auto r = request_of(req, "/events", identity);
    r.origin = origin;
    auto opened = bridge->open_stream(r);
    if (auto* refused = std::get_if<web::http_response>(&opened)) return write(res, *refused);
    auto stream = std::get<std::shared_ptr<web::event_stream>>(std::move(opened));
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    res.set_chunked_content_provider(
        "text/event-stream",
        [self, stream](std::size_t, ::httplib::DataSink& sink) { return self->pump(*stream, sink); },
        [stream](bool) { stream->close(); });
  }

  // cpp-httplib calls this in a loop for as long as it returns true and no
  // write has failed; each call waits at most `poll_slice`. Returning false
  // ends the response and closes the connection.
  bool pump(web::event_stream& stream, ::httplib::DataSink& sink) {
    stream.wait(poll_slice);
    auto out = stream.take();
    if (out.empty() && !stream.closed()) {
      // A client that closed its socket (a closed browser tab) sends nothing
      // more, and cpp-httplib only finds out when a write fails: without this
      // check an idle stream held its server thread and its max_streams slot
      // until the next keep-alive. is_writable() is the check cpp-httplib's
      // own writes make (select, then a MSG_PEEK that sees the end of stream),
      // so it refuses nothing a write would accept.
      if (sink.is_writable && !sink.is_writable()) return false;
      return true;
    }
    if (!out.empty() && !sink.write(out.data(), out.size())) return false;
    if (stream.closed()) sink.done();
    return true;
  }

  void close_streams() {
    std::shared_lock lock(m);
    if (bridge) bridge->close_streams();
  }

  void disconnect_facade() {
    std::shared_lock lock(m);
    if (bridge) facade->disconnect();
  }
};

binding::binding(::httplib::Server& server, web::mqtt& mqtt, options opts)
    : impl_(std::make_shared<impl>(server, mqtt, std::move(opts))) {
  // cpp-httplib writes a response's head and body in two sends with Nagle
  // on: each answer then waited for the client's delayed ACK (~40 ms), and
  // 100 clients made 900 POSTs a second instead of 13,000.
  server.set_tcp_nodelay(true);
  auto p = regex_escape(impl_->opts.prefix);
  // The routes share ownership of the state: they live as long as the server.
  std::shared_ptr<impl> self = impl_;
  server.Get(p + "/events", [self](const auto& req, auto& res) { self->events(req, res, self); });
  for (std::string_view path : {"/publish", "/subscribe", "/unsubscribe", "/unsubscribe_all"})
    server.Post(p + std::string(path), [self, path](const auto& req, auto& res) { self->endpoint(req, res, path); });
  server.Get(p + "/status", [self](const auto& req, auto& res) { self->endpoint(req, res, "/status"); });
}

binding::~binding() {
  std::unique_lock lock(impl_->m);
  impl_->bridge.reset();  // closes the streams, removes the facade handler
}

void binding::start(const web::config_source& config) { impl_->facade->init_app(config); }

bool binding::listen(const std::string& host, int port) {
  if (!impl_->server.bind_to_port(host, port)) return false;
  return listen_after_bind();
}

bool binding::listen_after_bind() {
  auto& i = *impl_;
  i.listening = true;
  bool ok = i.stopped ? true : i.server.listen_after_bind();
  i.listening = false;
  i.close_streams();
  i.disconnect_facade();
  return ok;
}

void binding::stop() {
  auto& i = *impl_;
  i.stopped = true;
  i.close_streams();
  // httplib's stop() does nothing until listen_after_bind() has set the server
  // running: when stop() races with a listen() just starting, wait for that.
  auto deadline = clock_type::now() + std::chrono::seconds(1);
  while (i.listening && !i.server.is_running() && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  i.server.stop();
  i.disconnect_facade();
}

stream_stats binding::stats() const {
  std::shared_lock lock(impl_->m);
  return impl_->bridge ? impl_->bridge->stats() : stream_stats{};
}

void set_server_threads(::httplib::Server& server, std::size_t n) {
  server.new_task_queue = [n] { return new ::httplib::ThreadPool(n); };
}

}  // namespace tern::httplib_binding
