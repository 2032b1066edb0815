// tern::web::bridge: the HTTP API of the facade as plain data.

#include "tern/web/bridge.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <shared_mutex>

#include "tern/topic.hpp"
#include "tern/web/config.hpp"
#include "transport/websocket/base64.hpp"
#include "web/access_rules.hpp"
#include "web/event_stream_state.hpp"
#include "web/json_out.hpp"

namespace tern::web {

namespace {

using detail::json_object;
using action = access_request::action;

constexpr std::array<std::pair<std::string_view, mqtt_err>, 19> names{{
    {"MQTT_ERR_AGAIN", MQTT_ERR_AGAIN},
    {"MQTT_ERR_SUCCESS", MQTT_ERR_SUCCESS},
    {"MQTT_ERR_NOMEM", MQTT_ERR_NOMEM},
    {"MQTT_ERR_PROTOCOL", MQTT_ERR_PROTOCOL},
    {"MQTT_ERR_INVAL", MQTT_ERR_INVAL},
    {"MQTT_ERR_NO_CONN", MQTT_ERR_NO_CONN},
    {"MQTT_ERR_CONN_REFUSED", MQTT_ERR_CONN_REFUSED},
    {"MQTT_ERR_NOT_FOUND", MQTT_ERR_NOT_FOUND},
    {"MQTT_ERR_CONN_LOST", MQTT_ERR_CONN_LOST},
    {"MQTT_ERR_TLS", MQTT_ERR_TLS},
    {"MQTT_ERR_PAYLOAD_SIZE", MQTT_ERR_PAYLOAD_SIZE},
    {"MQTT_ERR_NOT_SUPPORTED", MQTT_ERR_NOT_SUPPORTED},
    {"MQTT_ERR_AUTH", MQTT_ERR_AUTH},
    {"MQTT_ERR_ACL_DENIED", MQTT_ERR_ACL_DENIED},
    {"MQTT_ERR_UNKNOWN", MQTT_ERR_UNKNOWN},
    {"MQTT_ERR_ERRNO", MQTT_ERR_ERRNO},
    {"MQTT_ERR_QUEUE_SIZE", MQTT_ERR_QUEUE_SIZE},
    {"MQTT_ERR_KEEPALIVE", MQTT_ERR_KEEPALIVE},
    {"MQTT_ERR_QUEUED", MQTT_ERR_QUEUED},
}};

/// A request the bridge refuses: the HTTP status and the text of `error`.
struct request_error {
  int status;
  std::string message;
};

http_response json_response(int status, std::string body) { return {status, "application/json", std::move(body)}; }

http_response error_response(int status, std::string_view text) {
  return json_response(status, json_object().add("error", text).str());
}

// Appended, not "'" + s + "'": GCC 12 warns wrongly (-Wrestrict) on that at -O3.
std::string in_quotes(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  return out.append(1, '\'').append(s).append(1, '\'');
}

/// A request body: one flat JSON object, read with the facade's strict JSON
/// reader, and typed accessors that name the field in their errors.
class body {
 public:
  body(std::string_view text, std::initializer_list<std::string_view> allowed, bool may_be_empty = false) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
      if (may_be_empty) return;
      throw request_error{400, "the request body must be a JSON object; it is empty"};
    }
    if (text[first] != '{') throw request_error{400, "the request body must be a JSON object"};
    try {
      map_ = parse_json_config(std::string(text), "request body");
    } catch (const config_error& e) {
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
  const config_value* find(std::string_view key) const {
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
  config_map map_;
};

std::string format_event(const message& msg) {
  json_object o;
  o.add("topic", msg.topic);
  // JSON strings hold text: a payload that is not UTF-8 goes as base64.
  if (detail::is_json_text(msg.payload)) {
    o.add("payload", msg.payload).add("encoding", "utf-8");
  } else {
    std::string b64;
    websocket::base64_append(msg.payload_bytes(), b64);
    o.add("payload", b64).add("encoding", "base64");
  }
  o.add("qos", msg.qos).add("retain", msg.retain);
  return "data: " + o.str() + "\n\n";
}

std::string result_json(mqtt_result r) {
  return json_object().add("result", static_cast<int>(r.result)).add("result_name", result_name(r.result))
      .add("mid", static_cast<std::uint64_t>(r.mid)).str();
}

std::string result_json(mqtt_result r, std::string_view error) {
  return json_object().add("result", static_cast<int>(r.result)).add("result_name", result_name(r.result))
      .add("mid", static_cast<std::uint64_t>(r.mid)).add("error", error).str();
}

// "application/json", in any case, with or without parameters (charset).
bool is_json_content_type(std::string_view ct) {
  constexpr std::string_view json = "application/json";
  if (ct.size() < json.size()) return false;
  for (std::size_t i = 0; i < json.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(ct[i])) != json[i]) return false;
  auto rest = ct.substr(json.size());
  return rest.empty() || rest[0] == ';' || rest[0] == ' ';
}

}  // namespace

std::string_view result_name(int result) noexcept {
  for (const auto& [name, value] : names)
    if (value == result) return name;
  return "MQTT_ERR_UNKNOWN";
}

std::span<const std::pair<std::string_view, mqtt_err>> result_names() noexcept { return names; }

struct bridge::impl : std::enable_shared_from_this<impl> {
  impl(mqtt& m, bridge_options o) : facade(&m), opts(std::move(o)) {
    if (opts.max_streams == 0) opts.max_streams = 1;
    if (opts.stream_queue_size == 0) opts.stream_queue_size = 1;
  }

  // Stream closes (from any thread, even after the bridge) hold it shared
  // while they use `facade`; ~bridge takes it exclusively to detach.
  std::shared_mutex facade_m;
  mqtt* facade;
  bridge_options opts;
  handler_id handler;

  mutable std::mutex streams_m;
  std::vector<std::shared_ptr<detail::stream_state>> streams;
  bool closing = false;  // close_streams() ran: no new streams
  std::uint64_t served = 0;
  std::shared_ptr<detail::stream_counters> counters = std::make_shared<detail::stream_counters>();

  // On the facade's handler thread: hand the message to every matching stream.
  void on_message(const message& msg) {
    std::string event;
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard lock(streams_m);
      for (const auto& s : streams) {
        bool match =
            std::any_of(s->filters.begin(), s->filters.end(), [&](const std::string& f) { return matches(f, msg.topic); });
        if (!match) continue;
        if (event.empty()) event = format_event(msg);
        if (auto f = s->push(event)) wake.push_back(std::move(f));
      }
    }
    for (auto& f : wake) f();
  }

  /// 403 when `identity` may not do `what` with `topic`; nothing when it may.
  std::optional<http_response> denied(action what, std::string_view topic, std::string_view identity) const {
    access_request r{what, identity, topic};
    if (!opts.rules.empty())
      if (auto why = detail::check_rules(opts.rules, r)) return error_response(403, "not allowed: " + *why);
    if (opts.authorize)
      if (auto why = opts.authorize(r)) return error_response(403, "not allowed: " + *why);
    if (opts.rules.empty() && !opts.authorize && !opts.open_access && what != action::read_stream)
      return error_response(403,
                            "not allowed: this endpoint acts on the broker connection; the application must set access "
                            "rules, an authorization hook or open access (tern::web::bridge_options)");
    return std::nullopt;
  }

  std::optional<http_response> foreign_origin(const http_request& req) const {
    if (opts.allowed_origins.empty() || req.origin.empty()) return std::nullopt;
    if (std::find(opts.allowed_origins.begin(), opts.allowed_origins.end(), req.origin) != opts.allowed_origins.end())
      return std::nullopt;
    return error_response(403, "origin " + in_quotes(req.origin) + " is not allowed");
  }

  http_response publish(mqtt& m, const http_request& req) {
    body b(req.body, {"topic", "message", "qos", "retain", "encoding"});
    auto topic = b.required_string("topic");
    if (auto ec = validate_topic_name(topic))
      throw request_error{400, "invalid topic " + in_quotes(topic) + ": " + ec.message()};
    if (auto no = denied(action::publish, topic, req.identity)) return *no;
    payload_data payload;
    std::string encoding = b.find("encoding") ? b.required_string("encoding") : "utf-8";
    if (encoding != "utf-8" && encoding != "base64")
      throw request_error{400, "field 'encoding' must be \"utf-8\" or \"base64\""};
    if (auto* v = b.find("message")) {
      if (auto* s = std::get_if<std::string>(v)) {
        if (encoding == "base64") {
          auto bytes = websocket::base64_decode(*s);
          if (!bytes) throw request_error{400, "field 'message' is not valid base64"};
          payload = payload_data(std::string_view(*bytes));
        } else {
          payload = payload_data(std::string_view(*s));
        }
      } else if (auto* n = std::get_if<std::int64_t>(v)) {
        payload = payload_data(*n);  // its decimal text, as Flask-MQTT
      } else if (auto* d = std::get_if<double>(v)) {
        payload = payload_data(*d);
      } else {
        throw request_error{400, "field 'message' must be a string or a number"};
      }
      if (encoding == "base64" && !std::holds_alternative<std::string>(*v))
        throw request_error{400, "field 'message' must be a string with \"encoding\": \"base64\""};
    }
    auto r = m.publish(topic, payload, b.qos(), b.flag("retain"));
    switch (r.result) {
      case MQTT_ERR_SUCCESS:
      case MQTT_ERR_QUEUED: return json_response(200, result_json(r));
      case MQTT_ERR_QUEUE_SIZE:
        return json_response(503, result_json(r, "offline and the publish queue (MQTT_MAX_QUEUED) is full"));
      case MQTT_ERR_NO_CONN: return json_response(503, result_json(r, "the MQTT client is not started"));
      case MQTT_ERR_INVAL: return json_response(400, result_json(r, "invalid topic or qos"));
      default: return json_response(500, result_json(r, result_name(r.result)));
    }
  }

  http_response subscribe(mqtt& m, const http_request& req) {
    body b(req.body, {"topic", "qos"});
    auto topic = b.required_string("topic");
    if (auto ec = validate_topic_filter(topic))
      throw request_error{400, "invalid topic filter " + in_quotes(topic) + ": " + ec.message()};
    if (auto no = denied(action::subscribe, topic, req.identity)) return *no;
    auto r = m.subscribe(topic, b.qos());
    switch (r.result) {
      case MQTT_ERR_SUCCESS:
      case MQTT_ERR_NO_CONN: return json_response(200, result_json(r));  // remembered, sent once connected
      case MQTT_ERR_INVAL: return json_response(400, result_json(r, "invalid topic filter or qos"));
      default: return json_response(500, result_json(r, result_name(r.result)));
    }
  }

  http_response unsubscribe(mqtt& m, const http_request& req) {
    body b(req.body, {"topic"});
    auto topic = b.required_string("topic");
    if (auto ec = validate_topic_filter(topic))
      throw request_error{400, "invalid topic filter " + in_quotes(topic) + ": " + ec.message()};
    if (auto no = denied(action::unsubscribe, topic, req.identity)) return *no;
    auto r = m.unsubscribe(topic);
    switch (r.result) {
      case MQTT_ERR_SUCCESS:
      case MQTT_ERR_NO_CONN: return json_response(200, result_json(r));
      case MQTT_ERR_NOT_FOUND: return json_response(404, result_json(r, "not subscribed to " + in_quotes(topic)));
      default: return json_response(500, result_json(r, result_name(r.result)));
    }
  }

  http_response unsubscribe_all(mqtt& m, const http_request& req) {
    if (auto no = denied(action::unsubscribe, "#", req.identity)) return *no;
    body b(req.body, {}, true);
    std::string topics = "[";
    for (const auto& [filter, tq] : m.topics()) {
      if (topics.size() > 1) topics += ',';
      topics += detail::json_quote(filter);
    }
    topics += "]";
    bool all = m.unsubscribe_all();
    return json_response(200, json_object().add("ok", all).add_raw("topics", topics).str());
  }

  http_response status(mqtt& m) {
    auto s = m.status();
    std::string topics = "[";
    for (const auto& [filter, tq] : m.topics()) {
      if (topics.size() > 1) topics += ',';
      topics += json_object().add("topic", filter).add("qos", tq.qos).str();
    }
    topics += "]";
    auto ec = m.last_error();
    auto st = stats_now();
    return json_response(200, json_object()
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
  }

  http_response handle(const http_request& req) {
    try {
      if (auto no = foreign_origin(req)) return *no;
      std::shared_lock lock(facade_m);
      if (!facade) throw request_error{503, "the MQTT bridge has been detached"};
      auto& m = *facade;
      auto post = [&](auto endpoint) {
        if (req.method != "POST") throw request_error{405, "use POST"};
        if (!is_json_content_type(req.content_type))
          throw request_error{415, "the request body must be sent as Content-Type: application/json"};
        return endpoint();
      };
      if (req.path == "/publish") return post([&] { return publish(m, req); });
      if (req.path == "/subscribe") return post([&] { return subscribe(m, req); });
      if (req.path == "/unsubscribe") return post([&] { return unsubscribe(m, req); });
      if (req.path == "/unsubscribe_all") return post([&] { return unsubscribe_all(m, req); });
      if (req.path == "/status") {
        if (req.method != "GET") throw request_error{405, "use GET"};
        return status(m);
      }
      if (req.path == "/events") throw request_error{500, "/events is served by open_stream"};
      throw request_error{404, "no endpoint " + in_quotes(req.path)};
    } catch (const request_error& e) {
      return error_response(e.status, e.message);
    } catch (const std::exception& e) {
      return error_response(500, e.what());
    }
  }

  std::variant<std::shared_ptr<event_stream>, http_response> open_stream(const http_request& req) {
    if (auto no = foreign_origin(req)) return *no;
    auto st = std::make_shared<detail::stream_state>();
    for (const auto& [key, value] : req.query) {
      if (key != "topic") continue;
      if (auto ec = validate_topic_filter(value))
        return error_response(400, "invalid topic filter " + in_quotes(value) + ": " + ec.message());
      st->filters.push_back(value);
    }
    if (st->filters.empty()) st->filters.emplace_back("#");
    for (const auto& f : st->filters)
      if (auto no = denied(action::read_stream, f, req.identity)) return *no;
    st->capacity = opts.stream_queue_size;
    st->keepalive = opts.keepalive_interval;
    st->counters = counters;
    {
      std::lock_guard lock(streams_m);
      if (closing) return error_response(503, "the server is stopping");
      if (streams.size() >= opts.max_streams)
        return error_response(503, "too many event streams open (at most " + std::to_string(opts.max_streams) + ")");
      streams.push_back(st);
      ++served;
    }
    if (opts.streams_subscribe) {
      std::shared_lock lock(facade_m);
      if (facade)
        for (const auto& f : st->filters) facade->hold_subscription(f);
    }
    st->on_close = [weak = weak_from_this(), raw = st.get()] {
      if (auto self = weak.lock()) self->forget(raw);
    };
    return std::make_shared<event_stream>(st);
  }

  // A stream closed: it leaves the registry, and gives back its subscriptions.
  void forget(detail::stream_state* st) {
    {
      std::lock_guard lock(streams_m);
      std::erase_if(streams, [st](const auto& s) { return s.get() == st; });
    }
    if (!opts.streams_subscribe) return;
    std::shared_lock lock(facade_m);
    if (facade)
      for (const auto& f : st->filters) facade->release_subscription(f);
  }

  void close_streams() {
    std::vector<std::shared_ptr<detail::stream_state>> all;
    {
      std::lock_guard lock(streams_m);
      closing = true;
      all = streams;
    }
    for (const auto& s : all) s->close();
  }

  stream_stats stats_now() const {
    stream_stats s;
    {
      std::lock_guard lock(streams_m);
      s.open_streams = streams.size();
      s.streams_served = served;
    }
    s.events_sent = counters->sent.load(std::memory_order_relaxed);
    s.dropped = counters->dropped.load(std::memory_order_relaxed);
    return s;
  }
};

bridge::bridge(mqtt& m, bridge_options options) : impl_(std::make_shared<impl>(m, std::move(options))) {
  // Every message, also those an on_topic handler takes: a stream shows what its filter matches.
  impl_->handler = m.on_every_message(
      [weak = std::weak_ptr<impl>(impl_)](mqtt&, const std::any&, const message& msg) {
        if (auto self = weak.lock()) self->on_message(msg);
      });
}

bridge::~bridge() {
  impl_->close_streams();
  std::unique_lock lock(impl_->facade_m);
  impl_->facade->remove_handler(impl_->handler);
  impl_->facade = nullptr;
}

http_response bridge::handle(const http_request& request) { return impl_->handle(request); }

std::variant<std::shared_ptr<event_stream>, http_response> bridge::open_stream(const http_request& request) {
  return impl_->open_stream(request);
}

void bridge::close_streams() { impl_->close_streams(); }

stream_stats bridge::stats() const { return impl_->stats_now(); }

const bridge_options& bridge::options() const noexcept { return impl_->opts; }

}  // namespace tern::web
