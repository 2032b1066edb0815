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
#include "web/request_body.hpp"

namespace tern::web {

namespace {

using detail::error_response;
using detail::in_quotes;
using detail::json_object;
using detail::json_response;
using detail::request_body;
using detail::request_error;
using action = access_request::action;

constexpr std::array<named_result, 19> names{{
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

// The message as a JSON object; a socket's event names its type first.
std::string message_json(const message& msg, bool typed) {
  json_object o;
  if (typed) o.add("type", "message");
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
  return o.str();
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

string_ref result_name(int result) noexcept {
  for (const auto& [name, value] : names)
    if (value == result) return name;
  return "MQTT_ERR_UNKNOWN";
}

array_view<const named_result> result_names() noexcept { return names; }

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
  std::uint64_t served = 0, sockets_served = 0;
  std::shared_ptr<detail::stream_counters> counters = std::make_shared<detail::stream_counters>();

  // On the client's network thread: hand the message to every matching
  // stream and socket, formatted once for each kind.
  void on_message(const message& msg) {
    detail::shared_event sse, socket;
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard lock(streams_m);
      for (const auto& s : streams) {
        bool match =
            std::any_of(s->filters.begin(), s->filters.end(), [&](const std::string& f) { return matches(f, msg.topic); });
        if (!match) continue;
        auto& event = s->type == detail::stream_state::kind::socket ? socket : sse;
        if (!event) {
          auto json = message_json(msg, &event == &socket);
          event = std::make_shared<const std::string>(&event == &socket ? std::move(json) : "data: " + json + "\n\n");
        }
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

  http_response publish(mqtt& m, const request_body& b, std::string_view identity) {
    auto topic = b.required_string("topic");
    if (auto ec = validate_topic_name(topic))
      throw request_error{400, "invalid topic " + in_quotes(topic) + ": " + ec.message()};
    if (auto no = denied(action::publish, topic, identity)) return *no;
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

  // The topic filter of a request, valid; throws request_error (400).
  static std::string checked_filter(const request_body& b) {
    auto topic = b.required_string("topic");
    if (auto ec = validate_topic_filter(topic))
      throw request_error{400, "invalid topic filter " + in_quotes(topic) + ": " + ec.message()};
    return topic;
  }

  // The facade's answer to a subscribe or unsubscribe of `topic`. Without a
  // connection it is remembered and sent once connected: 200 too.
  static http_response filter_answer(mqtt_result r, std::string_view topic) {
    switch (r.result) {
      case MQTT_ERR_SUCCESS:
      case MQTT_ERR_NO_CONN: return json_response(200, result_json(r));
      case MQTT_ERR_INVAL: return json_response(400, result_json(r, "invalid topic filter or qos"));
      case MQTT_ERR_NOT_FOUND: return json_response(404, result_json(r, "not subscribed to " + in_quotes(topic)));
      default: return json_response(500, result_json(r, result_name(r.result)));
    }
  }

  http_response subscribe(mqtt& m, const request_body& b, std::string_view identity) {
    auto topic = checked_filter(b);
    if (auto no = denied(action::subscribe, topic, identity)) return *no;
    return filter_answer(m.subscribe(topic, b.qos()), topic);
  }

  http_response unsubscribe(mqtt& m, const request_body& b, std::string_view identity) {
    auto topic = checked_filter(b);
    if (auto no = denied(action::unsubscribe, topic, identity)) return *no;
    return filter_answer(m.unsubscribe(topic), topic);
  }

  http_response unsubscribe_all(mqtt& m, std::string_view identity) {
    if (auto no = denied(action::unsubscribe, "#", identity)) return *no;
    std::string topics = "[";
    for (const auto& tq : m.topics()) {
      if (topics.size() > 1) topics += ',';
      topics += detail::json_quote(tq.topic);
    }
    topics += "]";
    bool all = m.unsubscribe_all();
    return json_response(200, json_object().add("ok", all).add_raw("topics", topics).str());
  }

  http_response status(mqtt& m) {
    auto s = m.status();
    std::string topics = "[";
    for (const auto& tq : m.topics()) {
      if (topics.size() > 1) topics += ',';
      topics += json_object().add("topic", std::string_view(tq.topic)).add("qos", tq.qos).str();
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
                                                          .add("sockets", static_cast<std::uint64_t>(st.open_sockets))
                                                          .str())
                                  .str());
  }

  http_response handle(const http_request& req) {
    try {
      if (auto no = foreign_origin(req)) return *no;
      std::shared_lock lock(facade_m);
      if (!facade) throw request_error{503, "the MQTT bridge has been detached"};
      auto& m = *facade;
      if (req.path == "/status") {
        if (req.method != "GET") throw request_error{405, "use GET"};
        return status(m);
      }
      if (req.path == "/events") throw request_error{500, "/events is served by open_stream"};
      if (req.path == "/ws") throw request_error{400, "/ws is a WebSocket: send an upgrade"};
      if (!endpoint_of(req.path.substr(1))) throw request_error{404, "no endpoint " + in_quotes(req.path)};
      if (req.method != "POST") throw request_error{405, "use POST"};
      if (!is_json_content_type(req.content_type))
        throw request_error{415, "the request body must be sent as Content-Type: application/json"};
      request_body b(req.body, req.path == "/unsubscribe_all");
      return act(m, req.path.substr(1), b, req.identity);
    } catch (const request_error& e) {
      return error_response(e.status, e.message);
    } catch (const std::exception& e) {
      return error_response(500, e.what());
    }
  }

  // The endpoints a JSON request reaches: over HTTP (POST <prefix>/NAME) and
  // over a WebSocket ({"type": NAME, ...}), with the same fields.
  static const std::initializer_list<std::string_view>* endpoint_of(std::string_view name) {
    static const std::initializer_list<std::string_view> publish_fields{"topic", "message", "qos", "retain", "encoding"},
        subscribe_fields{"topic", "qos"}, topic_only{"topic"}, none{};
    if (name == "publish") return &publish_fields;
    if (name == "subscribe") return &subscribe_fields;
    if (name == "unsubscribe") return &topic_only;
    if (name == "unsubscribe_all") return &none;
    return nullptr;
  }

  http_response act(mqtt& m, std::string_view name, const request_body& b, std::string_view identity) {
    // No topic to check first: whether it may at all comes before its fields.
    if (name == "unsubscribe_all")
      if (auto no = denied(action::unsubscribe, "#", identity)) return *no;
    b.allow_only(*endpoint_of(name));
    if (name == "publish") return publish(m, b, identity);
    if (name == "subscribe") return subscribe(m, b, identity);
    if (name == "unsubscribe") return unsubscribe(m, b, identity);
    return unsubscribe_all(m, identity);
  }

  /// A new stream or socket with the `topic` filters of `req`, each allowed
  /// to the identity, or the refusal.
  std::variant<std::shared_ptr<detail::stream_state>, http_response> admit(const http_request& req,
                                                                           detail::stream_state::kind type) {
    if (auto no = foreign_origin(req)) return *no;
    auto st = std::make_shared<detail::stream_state>();
    st->type = type;
    for (const auto& [key, value] : req.query) {
      if (key != "topic") continue;
      if (auto ec = validate_topic_filter(value))
        return error_response(400, "invalid topic filter " + in_quotes(value) + ": " + ec.message());
      st->filters.push_back(value);
    }
    if (st->filters.empty() && type == detail::stream_state::kind::sse) st->filters.emplace_back("#");
    for (const auto& f : st->filters)
      if (auto no = denied(action::read_stream, f, req.identity)) return *no;
    st->capacity = opts.stream_queue_size;
    st->keepalive = opts.keepalive_interval;
    st->counters = counters;
    {
      std::lock_guard lock(streams_m);
      if (closing) return error_response(503, "the server is stopping");
      if (streams.size() >= opts.max_streams)
        return error_response(503, "too many event streams and sockets open (at most " +
                                       std::to_string(opts.max_streams) + ")");
      streams.push_back(st);
      ++(type == detail::stream_state::kind::socket ? sockets_served : served);
    }
    for (const auto& f : st->filters) hold(f);
    st->on_close = [weak = weak_from_this(), raw = st.get()] {
      if (auto self = weak.lock()) self->forget(raw);
    };
    return st;
  }

  void hold(const std::string& filter) {
    if (!opts.streams_subscribe) return;
    std::shared_lock lock(facade_m);
    if (facade) facade->hold_subscription(filter);
  }

  void release(const std::string& filter) {
    if (!opts.streams_subscribe) return;
    std::shared_lock lock(facade_m);
    if (facade) facade->release_subscription(filter);
  }

  std::variant<std::shared_ptr<event_stream>, http_response> open_stream(const http_request& req) {
    auto st = admit(req, detail::stream_state::kind::sse);
    if (auto* no = std::get_if<http_response>(&st)) return std::move(*no);
    return std::make_shared<event_stream>(std::get<0>(std::move(st)));
  }

  std::variant<std::shared_ptr<socket_session>, http_response> open_socket(const http_request& req) {
    auto admitted = admit(req, detail::stream_state::kind::socket);
    if (auto* no = std::get_if<http_response>(&admitted)) return std::move(*no);
    auto st = std::get<0>(std::move(admitted));
    st->on_request = [weak = weak_from_this(), raw = st.get(), identity = std::string(req.identity)](
                         std::string_view text) -> std::string {
      auto self = weak.lock();
      if (!self) return R"({"type":"error","error":"the MQTT bridge has been detached"})";
      return self->socket_request(*raw, text, identity);
    };
    return std::make_shared<socket_session>(std::move(st));
  }

  // One request of a socket: {"type": ..., "id": ..., fields}. Answered as
  // {"type":"reply","id":...,"status":...} and the HTTP endpoint's answer
  // (or the watch's); one that cannot be read is an "error" event.
  std::string socket_request(detail::stream_state& st, std::string_view text, const std::string& identity) {
    std::string id_json;
    try {
      if (text.size() > opts.max_socket_message)
        throw request_error{400, "the message is larger than " + std::to_string(opts.max_socket_message) + " bytes"};
      request_body b(text);
      auto& fields = b.fields();
      if (auto id = fields.get("id")) {
        if (auto* n = std::get_if<std::int64_t>(&*id)) id_json = std::to_string(*n);
        else if (auto* str = std::get_if<std::string>(&*id)) id_json = detail::json_quote(*str);
        else throw request_error{400, "field 'id' must be a number or a string"};
        fields.erase("id");
      }
      auto type = b.required_string("type");
      fields.erase("type");
      return reply(id_json, socket_act(st, type, b, identity));
    } catch (const request_error& e) {
      if (!id_json.empty()) return reply(id_json, error_response(e.status, e.message));
      return json_object().add("type", "error").add("error", e.message).str();
    } catch (const std::exception& e) {
      return reply(id_json.empty() ? "null" : id_json, error_response(500, e.what()));
    }
  }

  static std::string reply(std::string_view id_json, const http_response& r) {
    auto head = json_object().add("type", "reply").add_raw("id", id_json).add("status", r.status).str();
    // Both are objects: the reply's fields, then the endpoint's answer's.
    head.pop_back();
    if (r.body.size() > 2) head.append(",").append(std::string_view(r.body).substr(1));
    else head += '}';
    return head;
  }

  http_response socket_act(detail::stream_state& st, std::string_view type, const request_body& b,
                           const std::string& identity) {
    if (type == "watch" || type == "unwatch") return watch(st, type == "watch", b, identity);
    std::shared_lock lock(facade_m);
    if (!facade) throw request_error{503, "the MQTT bridge has been detached"};
    if (type == "status") {
      b.allow_only({});
      return status(*facade);
    }
    if (!endpoint_of(type))
      throw request_error{400, "unknown request type " + in_quotes(type) +
                                   " (expected: publish, subscribe, unsubscribe, unsubscribe_all, status, watch, unwatch)"};
    return act(*facade, type, b, identity);
  }

  // What a socket receives: the filters it watches, held on the broker like
  // an event stream's.
  http_response watch(detail::stream_state& st, bool add, const request_body& b, const std::string& identity) {
    b.allow_only({"topic"});
    auto filter = checked_filter(b);
    if (add)
      if (auto no = denied(action::read_stream, filter, identity)) return *no;
    {
      std::lock_guard registry(streams_m);
      std::lock_guard lock(st.m);
      if (st.closed) throw request_error{503, "the socket is closing"};
      auto it = std::find(st.filters.begin(), st.filters.end(), filter);
      if (add && it != st.filters.end()) return json_response(200, json_object().add("watching", true).str());
      if (!add && it == st.filters.end()) throw request_error{404, "not watching " + in_quotes(filter)};
      if (add) st.filters.push_back(filter);
      else st.filters.erase(it);
    }
    if (add) hold(filter);
    else release(filter);
    return json_response(200, json_object().add("watching", add).str());
  }

  // A stream or socket closed: it leaves the registry, and gives back its subscriptions.
  void forget(detail::stream_state* st) {
    std::vector<std::string> filters;
    {
      std::lock_guard lock(streams_m);
      std::erase_if(streams, [st](const auto& s) { return s.get() == st; });
      std::lock_guard state(st->m);
      filters = st->filters;
    }
    for (const auto& f : filters) release(f);
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
      for (const auto& st : streams) ++(st->type == detail::stream_state::kind::socket ? s.open_sockets : s.open_streams);
      s.streams_served = served;
      s.sockets_served = sockets_served;
    }
    s.events_sent = counters->sent.load(std::memory_order_relaxed);
    s.dropped = counters->dropped.load(std::memory_order_relaxed);
    return s;
  }
};

bridge::bridge(mqtt& m, bridge_options options) : impl_(std::make_shared<impl>(m, std::move(options))) {
  // Every message, also those an on_topic handler takes: a stream shows
  // what its filter matches. On arrival: queuing a message for a stream
  // never blocks, and a hop through the handler thread would cost each
  // message a thread wake-up.
  impl_->handler = m.on_every_message_arrival(
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

std::variant<std::shared_ptr<socket_session>, http_response> bridge::open_socket(const http_request& request) {
  return impl_->open_socket(request);
}

void bridge::close_streams() { impl_->close_streams(); }

stream_stats bridge::stats() const { return impl_->stats_now(); }

const bridge_options& bridge::options() const noexcept { return impl_->opts; }

}  // namespace tern::web
