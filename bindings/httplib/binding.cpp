#include "tern/httplib/binding.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "json_text.hpp"
#include "tern/topic.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::httplib_binding {

namespace {

using detail::json_object;
using clock_type = std::chrono::steady_clock;

// How long an idle stream's content provider waits for messages before it
// checks that its client is still there and returns to cpp-httplib, which
// then checks whether the server is stopping: a client closing its socket,
// and `server.stop()` alone, end a stream this fast.
constexpr std::chrono::milliseconds poll_slice{250};

/// One open event stream: its filters and the messages waiting for it.
struct stream_state {
  std::vector<std::string> filters;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::string> queue;        // formatted SSE events
  std::uint64_t dropped_unreported = 0;  // told to the client in a `dropped` event
  bool closed = false;
  bool opened = false;                   // the opening comment is written
  clock_type::time_point last_write{};
};

/// A request the binding refuses: the HTTP status and the text of `error`.
struct request_error {
  int status;
  std::string message;
};

const char* result_name(web::mqtt_err e) {
  switch (e) {
    case web::MQTT_ERR_AGAIN: return "MQTT_ERR_AGAIN";
    case web::MQTT_ERR_SUCCESS: return "MQTT_ERR_SUCCESS";
    case web::MQTT_ERR_NOMEM: return "MQTT_ERR_NOMEM";
    case web::MQTT_ERR_PROTOCOL: return "MQTT_ERR_PROTOCOL";
    case web::MQTT_ERR_INVAL: return "MQTT_ERR_INVAL";
    case web::MQTT_ERR_NO_CONN: return "MQTT_ERR_NO_CONN";
    case web::MQTT_ERR_CONN_REFUSED: return "MQTT_ERR_CONN_REFUSED";
    case web::MQTT_ERR_NOT_FOUND: return "MQTT_ERR_NOT_FOUND";
    case web::MQTT_ERR_CONN_LOST: return "MQTT_ERR_CONN_LOST";
    case web::MQTT_ERR_TLS: return "MQTT_ERR_TLS";
    case web::MQTT_ERR_PAYLOAD_SIZE: return "MQTT_ERR_PAYLOAD_SIZE";
    case web::MQTT_ERR_NOT_SUPPORTED: return "MQTT_ERR_NOT_SUPPORTED";
    case web::MQTT_ERR_AUTH: return "MQTT_ERR_AUTH";
    case web::MQTT_ERR_ACL_DENIED: return "MQTT_ERR_ACL_DENIED";
    case web::MQTT_ERR_UNKNOWN: return "MQTT_ERR_UNKNOWN";
    case web::MQTT_ERR_ERRNO: return "MQTT_ERR_ERRNO";
    case web::MQTT_ERR_QUEUE_SIZE: return "MQTT_ERR_QUEUE_SIZE";
    case web::MQTT_ERR_KEEPALIVE: return "MQTT_ERR_KEEPALIVE";
    case web::MQTT_ERR_QUEUED: return "MQTT_ERR_QUEUED";
  }
  return "MQTT_ERR_UNKNOWN";
}

// cpp-httplib's route patterns are regular expressions; the prefix is not.
std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

void reply(::httplib::Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

void reply_error(::httplib::Response& res, int status, std::string_view text) {
  reply(res, status, json_object().add("error", text).str());
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

/// A request body: one flat JSON object, read with the facade's strict JSON
/// reader, and typed accessors that name the field in their errors.
class body {
 public:
  body(const std::string& text, std::initializer_list<std::string_view> allowed, bool may_be_empty = false) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
      if (may_be_empty) return;
      throw request_error{400, "the request body must be a JSON object; it is empty"};
    }
    if (text[first] != '{') throw request_error{400, "the request body must be a JSON object"};
    try {
      map_ = web::parse_json_config(text, "request body");
    } catch (const web::config_error& e) {
      throw request_error{400, std::string("malformed JSON: ") + e.what()};
    }
    for (const auto& [key, value] : map_.values()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      throw request_error{400, "unknown field " + in_quotes(key) + " (expected: " + list + ")"};
    }
  }

  /// The field, or nothing when it is absent or null.
  const web::config_value* find(std::string_view key) const {
    auto it = map_.values().find(key);
    if (it == map_.values().end() || std::holds_alternative<std::monostate>(it->second)) return nullptr;
    return &it->second;
  }

  std::string required_string(std::string_view key) const {
    auto* v = find(key);
    if (!v) throw request_error{400, "missing field " + in_quotes(key)};
    auto* s = std::get_if<std::string>(v);
    if (!s) throw request_error{400, "field " + in_quotes(key) + " must be a string"};
    return *s;
  }

  int qos() const {
    auto* v = find("qos");
    if (!v) return 0;
    auto* n = std::get_if<std::int64_t>(v);
    if (!n || *n < 0 || *n > 2) throw request_error{400, "field 'qos' must be 0, 1 or 2"};
    return static_cast<int>(*n);
  }

  bool flag(std::string_view key) const {
    auto* v = find(key);
    if (!v) return false;
    auto* b = std::get_if<bool>(v);
    if (!b) throw request_error{400, "field " + in_quotes(key) + " must be true or false"};
    return *b;
  }

 private:
  web::config_map map_;
};

std::string format_event(const web::message& msg) {
  json_object o;
  o.add("topic", msg.topic);
  // JSON strings hold text: a payload that is not UTF-8 goes as base64.
  if (detail::is_utf8(msg.payload)) o.add("payload", msg.payload).add("encoding", "utf-8");
  else o.add("payload", detail::base64_encode(msg.payload)).add("encoding", "base64");
  o.add("qos", msg.qos).add("retain", msg.retain);
  return "data: " + o.str() + "\n\n";
}

std::string result_json(web::mqtt_result r) {
  return json_object().add("result", static_cast<int>(r.result)).add("result_name", result_name(r.result))
      .add("mid", static_cast<std::uint64_t>(r.mid)).str();
}

std::string result_json(web::mqtt_result r, std::string_view error) {
  return json_object().add("result", static_cast<int>(r.result)).add("result_name", result_name(r.result))
      .add("mid", static_cast<std::uint64_t>(r.mid)).add("error", error).str();
}

}  // namespace

struct binding::impl {
  impl(::httplib::Server& s, web::mqtt& m, options o) : server(s), opts(std::move(o)), facade(&m) {}

  ::httplib::Server& server;
  const options opts;

  // Route handlers hold it shared while they use `facade`; ~binding takes it
  // exclusively to detach, so no handler uses a facade that may be gone.
  std::shared_mutex facade_m;
  web::mqtt* facade;
  web::handler_id handler;

  mutable std::mutex streams_m;
  std::vector<std::shared_ptr<stream_state>> streams;
  bool closing = false;  // after stop() or ~binding: no new streams
  std::uint64_t served = 0;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> dropped{0};

  std::atomic<bool> listening{false};
  std::atomic<bool> stopped{false};

  // On the facade's handler thread: hand the message to every matching stream.
  void on_message(const web::message& msg) {
    std::string event;
    std::lock_guard lock(streams_m);
    for (const auto& s : streams) {
      bool match = std::any_of(s->filters.begin(), s->filters.end(),
                               [&](const std::string& f) { return tern::matches(f, msg.topic); });
      if (!match) continue;
      if (event.empty()) event = format_event(msg);
      std::lock_guard sl(s->m);
      if (s->closed) continue;
      if (s->queue.size() >= opts.stream_queue_size) {
        ++s->dropped_unreported;
        dropped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      s->queue.push_back(event);
      s->cv.notify_one();
    }
  }

  void close_streams() {
    std::lock_guard lock(streams_m);
    closing = true;
    for (const auto& s : streams) {
      std::lock_guard sl(s->m);
      s->closed = true;
      s->cv.notify_one();
    }
  }

  void remove_stream(const std::shared_ptr<stream_state>& st) {
    std::lock_guard lock(streams_m);
    std::erase(streams, st);
  }

  void disconnect_facade() {
    std::shared_lock lock(facade_m);
    if (facade) facade->disconnect();
  }

  // Runs `f(facade)` for a JSON endpoint: refusals become their status and
  // `{"error": ...}`, anything else thrown a 500.
  template <class F>
  void with_facade(::httplib::Response& res, F&& f) {
    try {
      std::shared_lock lock(facade_m);
      if (!facade) throw request_error{503, "the MQTT binding has been detached from this server"};
      f(*facade);
    } catch (const request_error& e) {
      reply_error(res, e.status, e.message);
    } catch (const std::exception& e) {
      reply_error(res, 500, e.what());
    }
  }

  void events(const ::httplib::Request& req, ::httplib::Response& res, const std::shared_ptr<impl>& self) {
    auto st = std::make_shared<stream_state>();
    for (std::size_t i = 0, n = req.get_param_value_count("topic"); i < n; ++i) {
      auto f = req.get_param_value("topic", i);
      if (auto ec = validate_topic_filter(f))
        return reply_error(res, 400, "invalid topic filter " + in_quotes(f) + ": " + ec.message());
      st->filters.push_back(std::move(f));
    }
    if (st->filters.empty()) st->filters.emplace_back("#");
    {
      std::lock_guard lock(streams_m);
      if (closing) return reply_error(res, 503, "the server is stopping");
      if (streams.size() >= opts.max_streams)
        return reply_error(res, 503, "too many event streams open (at most " + std::to_string(opts.max_streams) + ")");
      streams.push_back(st);
      ++served;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    res.set_chunked_content_provider(
        "text/event-stream",
        [self, st](std::size_t, ::httplib::DataSink& sink) { return self->pump(*st, sink); },
        [self, st](bool) { self->remove_stream(st); });
  }

  // cpp-httplib calls this in a loop for as long as it returns true and no
  // write has failed; each call waits at most `poll_slice`. Returning false
  // ends the response and closes the connection.
  bool pump(stream_state& st, ::httplib::DataSink& sink) {
    std::string out;
    std::uint64_t n_events = 0;
    bool end = false;
    {
      std::unique_lock lock(st.m);
      if (!st.opened) {
        // Tells the client (and a test) that the stream is registered.
        st.opened = true;
        out = "retry: 2000\n: tern event stream\n\n";
      } else {
        st.cv.wait_for(lock, poll_slice, [&] { return st.closed || !st.queue.empty() || st.dropped_unreported > 0; });
      }
      end = st.closed;
      for (; !st.queue.empty(); st.queue.pop_front(), ++n_events) out += st.queue.front();
      if (st.dropped_unreported > 0) {
        out += "event: dropped\ndata: " +
               json_object().add("dropped", st.dropped_unreported).str() + "\n\n";
        st.dropped_unreported = 0;
      }
    }
    auto now = clock_type::now();
    if (out.empty() && !end) {
      // A client that closed its socket (a closed browser tab) sends nothing
      // more, and cpp-httplib only finds out when a write fails: without this
      // check an idle stream held its server thread and its max_streams slot
      // until the next keep-alive. is_writable() is the check cpp-httplib's
      // own writes make (select, then a MSG_PEEK that sees the end of stream),
      // so it refuses nothing a write would accept.
      if (sink.is_writable && !sink.is_writable()) return false;
      if (now - st.last_write >= opts.keepalive_interval) out = ": keep-alive\n\n";
    }
    if (!out.empty()) {
      if (!sink.write(out.data(), out.size())) return false;
      st.last_write = now;
      sent.fetch_add(n_events, std::memory_order_relaxed);
    }
    if (end) sink.done();
    return true;
  }

  void publish(const ::httplib::Request& req, ::httplib::Response& res) {
    with_facade(res, [&](web::mqtt& m) {
      body b(req.body, {"topic", "message", "qos", "retain", "encoding"});
      auto topic = b.required_string("topic");
      if (auto ec = validate_topic_name(topic))
        throw request_error{400, "invalid topic " + in_quotes(topic) + ": " + ec.message()};
      web::payload_data payload;
      std::string encoding = b.find("encoding") ? b.required_string("encoding") : "utf-8";
      if (encoding != "utf-8" && encoding != "base64")
        throw request_error{400, "field 'encoding' must be \"utf-8\" or \"base64\""};
      if (auto* v = b.find("message")) {
        if (auto* s = std::get_if<std::string>(v)) {
          if (encoding == "base64") {
            auto bytes = detail::base64_decode(*s);
            if (!bytes) throw request_error{400, "field 'message' is not valid base64"};
            payload = web::payload_data(std::string_view(*bytes));
          } else {
            payload = web::payload_data(std::string_view(*s));
          }
        } else if (auto* n = std::get_if<std::int64_t>(v)) {
          payload = web::payload_data(*n);  // its decimal text, as Flask-MQTT
        } else if (auto* d = std::get_if<double>(v)) {
          payload = web::payload_data(*d);
        } else {
          throw request_error{400, "field 'message' must be a string or a number"};
        }
        if (encoding == "base64" && !std::holds_alternative<std::string>(*v))
          throw request_error{400, "field 'message' must be a string with \"encoding\": \"base64\""};
      }
      auto r = m.publish(topic, payload, b.qos(), b.flag("retain"));
      switch (r.result) {
        case web::MQTT_ERR_SUCCESS:
        case web::MQTT_ERR_QUEUED: return reply(res, 200, result_json(r));
        case web::MQTT_ERR_QUEUE_SIZE:
          return reply(res, 503, result_json(r, "offline and the publish queue (MQTT_MAX_QUEUED) is full"));
        case web::MQTT_ERR_NO_CONN: return reply(res, 503, result_json(r, "the MQTT client is not started"));
        case web::MQTT_ERR_INVAL: return reply(res, 400, result_json(r, "invalid topic or qos"));
        default: return reply(res, 500, result_json(r, result_name(r.result)));
      }
    });
  }

  void subscribe(const ::httplib::Request& req, ::httplib::Response& res) {
    with_facade(res, [&](web::mqtt& m) {
      body b(req.body, {"topic", "qos"});
      auto topic = b.required_string("topic");
      if (auto ec = validate_topic_filter(topic))
        throw request_error{400, "invalid topic filter " + in_quotes(topic) + ": " + ec.message()};
      auto r = m.subscribe(topic, b.qos());
      switch (r.result) {
        case web::MQTT_ERR_SUCCESS:
        case web::MQTT_ERR_NO_CONN: return reply(res, 200, result_json(r));  // remembered, sent once connected
        case web::MQTT_ERR_INVAL: return reply(res, 400, result_json(r, "invalid topic filter or qos"));
        default: return reply(res, 500, result_json(r, result_name(r.result)));
      }
    });
  }

  void unsubscribe(const ::httplib::Request& req, ::httplib::Response& res) {
    with_facade(res, [&](web::mqtt& m) {
      body b(req.body, {"topic"});
      auto topic = b.required_string("topic");
      if (auto ec = validate_topic_filter(topic))
        throw request_error{400, "invalid topic filter " + in_quotes(topic) + ": " + ec.message()};
      auto r = m.unsubscribe(topic);
      switch (r.result) {
        case web::MQTT_ERR_SUCCESS:
        case web::MQTT_ERR_NO_CONN: return reply(res, 200, result_json(r));
        case web::MQTT_ERR_NOT_FOUND: return reply(res, 404, result_json(r, "not subscribed to " + in_quotes(topic)));
        default: return reply(res, 500, result_json(r, result_name(r.result)));
      }
    });
  }

  void unsubscribe_all(const ::httplib::Request& req, ::httplib::Response& res) {
    with_facade(res, [&](web::mqtt& m) {
      body b(req.body, {}, true);
      std::string topics = "[";
      for (const auto& [filter, tq] : m.topics()) {
        if (topics.size() > 1) topics += ',';
        topics += detail::json_quote(filter);
      }
      topics += "]";
      bool all = m.unsubscribe_all();
      reply(res, 200, json_object().add("ok", all).add_raw("topics", topics).str());
    });
  }

  void status(::httplib::Response& res) {
    with_facade(res, [&](web::mqtt& m) {
      auto s = m.status();
      std::string topics = "[";
      for (const auto& [filter, tq] : m.topics()) {
        if (topics.size() > 1) topics += ',';
        topics += json_object().add("topic", filter).add("qos", tq.qos).str();
      }
      topics += "]";
      auto ec = m.last_error();
      auto st = stats_now();
      reply(res, 200,
            json_object()
                .add("connected", s.connected)
                .add("client_id", m.client_id())
                .add("reconnects", s.reconnects)
                .add("inflight", static_cast<std::uint64_t>(s.inflight))
                .add("queued", static_cast<std::uint64_t>(s.queued))
                .add("dropped", s.dropped)
                .add("last_connack_code", s.last_connack_code)
                .add("messages_in", s.messages_in)
                .add("messages_out", s.messages_out)
                .add("last_error", ec ? ec.message() : std::string())
                .add_raw("topics", topics)
                .add_raw("streams", json_object()
                                        .add("open", static_cast<std::uint64_t>(st.open_streams))
                                        .add("served", st.streams_served)
                                        .add("events_sent", st.events_sent)
                                        .add("dropped", st.dropped)
                                        .str())
                .str());
    });
  }

  stream_stats stats_now() const {
    stream_stats s;
    {
      std::lock_guard lock(streams_m);
      s.open_streams = streams.size();
      s.streams_served = served;
    }
    s.events_sent = sent.load(std::memory_order_relaxed);
    s.dropped = dropped.load(std::memory_order_relaxed);
    return s;
  }
};

namespace {
options normalized(options o) {
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  if (o.max_streams == 0) o.max_streams = 1;
  return o;
}
}  // namespace

binding::binding(::httplib::Server& server, web::mqtt& mqtt, options opts)
    : impl_(std::make_shared<impl>(server, mqtt, normalized(std::move(opts)))) {
  auto& i = *impl_;
  auto p = regex_escape(i.opts.prefix);
  // The routes share ownership of the state: they live as long as the server.
  std::shared_ptr<impl> self = impl_;
  server.Get(p + "/events", [self](const auto& req, auto& res) { self->events(req, res, self); });
  server.Post(p + "/publish", [self](const auto& req, auto& res) { self->publish(req, res); });
  server.Post(p + "/subscribe", [self](const auto& req, auto& res) { self->subscribe(req, res); });
  server.Post(p + "/unsubscribe", [self](const auto& req, auto& res) { self->unsubscribe(req, res); });
  server.Post(p + "/unsubscribe_all", [self](const auto& req, auto& res) { self->unsubscribe_all(req, res); });
  server.Get(p + "/status", [self](const auto&, auto& res) { self->status(res); });
  // Every message, also those an on_topic handler takes: a stream shows what its filter matches.
  i.handler =
      mqtt.on_every_message([self](web::mqtt&, const std::any&, const web::message& msg) { self->on_message(msg); });
}

binding::~binding() {
  impl_->close_streams();
  std::unique_lock lock(impl_->facade_m);
  if (impl_->facade) impl_->facade->remove_handler(impl_->handler);
  impl_->facade = nullptr;
}

void binding::start(const web::config_source& config) {
  std::shared_lock lock(impl_->facade_m);
  impl_->facade->init_app(config);
}

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

stream_stats binding::stats() const { return impl_->stats_now(); }

void set_server_threads(::httplib::Server& server, std::size_t n) {
  server.new_task_queue = [n] { return new ::httplib::ThreadPool(n); };
}

}  // namespace tern::httplib_binding
