// The C API (<tern/tern.h>): each function wraps tern::web::mqtt, turns every
// exception into a TERN_ERR_* result (nothing may unwind into C), and keeps
// the reason in the object for tern_mqtt_error_detail.
#include "tern/tern.h"

#include <any>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tern/topic.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

struct tern_mqtt {
  explicit tern_mqtt(tern::web::mqtt_options o) : facade(std::move(o)) {}

  mutable std::mutex m;
  tern::web::config_map config;      // guarded by m; read once, by init_app
  mutable std::string error_detail;  // guarded by m; written by const calls too
  bool config_taken = false;         // guarded by m: an init_app has read config, and runs or succeeded
  std::atomic<bool> initialised{false};
  // Last, so that it goes first: handlers still running while the facade
  // stops may read the members above.
  tern::web::mqtt facade;
};

namespace {

using tern::web::mqtt;

constexpr std::size_t max_remaining_length = 268'435'455;  // [MQTT-2.2.3]: four length bytes

// Whether a PUBLISH's remaining length (topic with its length, packet id at
// QoS > 0, payload) exceeds what four length bytes hold. No overflow: each
// part is checked alone first.
constexpr bool publish_too_long(std::size_t topic_len, int qos, std::size_t payload_len) {
  if (payload_len > max_remaining_length || topic_len > max_remaining_length) return true;
  return 2 + topic_len + (qos > 0 ? 2 : 0) + payload_len > max_remaining_length;
}
static_assert(!publish_too_long(3, 1, 268'435'448) && publish_too_long(3, 1, 268'435'449));
static_assert(!publish_too_long(3, 0, 268'435'450) && publish_too_long(3, 0, 268'435'451));
static_assert(publish_too_long(0, 0, static_cast<std::size_t>(-1)) && publish_too_long(static_cast<std::size_t>(-1), 0, 0));

// The C results are the facade's, value for value: results pass through as
// they are, and tern_result_name uses the facade's names.
constexpr bool same(int c, int cpp) { return c == cpp; }
static_assert(same(TERN_ERR_AGAIN, tern::web::MQTT_ERR_AGAIN) &&
              same(TERN_ERR_SUCCESS, tern::web::MQTT_ERR_SUCCESS) &&
              same(TERN_ERR_NOMEM, tern::web::MQTT_ERR_NOMEM) &&
              same(TERN_ERR_PROTOCOL, tern::web::MQTT_ERR_PROTOCOL) &&
              same(TERN_ERR_INVAL, tern::web::MQTT_ERR_INVAL) &&
              same(TERN_ERR_NO_CONN, tern::web::MQTT_ERR_NO_CONN) &&
              same(TERN_ERR_CONN_REFUSED, tern::web::MQTT_ERR_CONN_REFUSED) &&
              same(TERN_ERR_NOT_FOUND, tern::web::MQTT_ERR_NOT_FOUND) &&
              same(TERN_ERR_CONN_LOST, tern::web::MQTT_ERR_CONN_LOST) &&
              same(TERN_ERR_TLS, tern::web::MQTT_ERR_TLS) &&
              same(TERN_ERR_PAYLOAD_SIZE, tern::web::MQTT_ERR_PAYLOAD_SIZE) &&
              same(TERN_ERR_NOT_SUPPORTED, tern::web::MQTT_ERR_NOT_SUPPORTED) &&
              same(TERN_ERR_AUTH, tern::web::MQTT_ERR_AUTH) &&
              same(TERN_ERR_ACL_DENIED, tern::web::MQTT_ERR_ACL_DENIED) &&
              same(TERN_ERR_UNKNOWN, tern::web::MQTT_ERR_UNKNOWN) &&
              same(TERN_ERR_ERRNO, tern::web::MQTT_ERR_ERRNO) &&
              same(TERN_ERR_QUEUE_SIZE, tern::web::MQTT_ERR_QUEUE_SIZE) &&
              same(TERN_ERR_KEEPALIVE, tern::web::MQTT_ERR_KEEPALIVE) &&
              same(TERN_ERR_QUEUED, tern::web::MQTT_ERR_QUEUED));
static_assert(same(TERN_LOG_INFO, static_cast<int>(tern::web::MQTT_LOG_INFO)) &&
              same(TERN_LOG_NOTICE, static_cast<int>(tern::web::MQTT_LOG_NOTICE)) &&
              same(TERN_LOG_WARNING, static_cast<int>(tern::web::MQTT_LOG_WARNING)) &&
              same(TERN_LOG_ERR, static_cast<int>(tern::web::MQTT_LOG_ERR)) &&
              same(TERN_LOG_DEBUG, static_cast<int>(tern::web::MQTT_LOG_DEBUG)));

void fail(const tern_mqtt* m, std::string_view function, std::string_view why) noexcept {
  if (m == nullptr) return;
  try {
    std::string text;
    text.reserve(function.size() + 2 + why.size());
    text.append(function).append(": ").append(why);
    std::lock_guard lock(m->m);
    m->error_detail = std::move(text);
  } catch (...) {
    // Out of memory while saying so: the result code still tells.
  }
}

// Runs f and returns its result. An exception becomes the object's error
// detail and what `on_error` makes of its TERN_ERR_* code.
template <class F, class OnError>
auto guarded_with(const tern_mqtt* m, std::string_view function, F&& f, OnError on_error) noexcept
    -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    fail(m, function, "out of memory");
    return on_error(TERN_ERR_NOMEM);
  } catch (const std::logic_error& e) {  // invalid_argument, "called twice"
    fail(m, function, e.what());
    return on_error(TERN_ERR_INVAL);
  } catch (const tern::web::config_error& e) {
    fail(m, function, e.what());
    return on_error(TERN_ERR_INVAL);
  } catch (const std::exception& e) {
    fail(m, function, e.what());
    return on_error(TERN_ERR_UNKNOWN);
  } catch (...) {
    fail(m, function, "unknown exception");
    return on_error(TERN_ERR_UNKNOWN);
  }
}

// For the functions that return a TERN_ERR_* result: an exception is its code.
template <class F>
int guarded(const tern_mqtt* m, std::string_view function, F&& f) noexcept {
  return guarded_with(m, function, std::forward<F>(f), [](int code) { return code; });
}

// For the others: an exception is `fallback` (0, a NULL handler id).
template <class R, class F>
R guarded_or(const tern_mqtt* m, std::string_view function, R fallback, F&& f) noexcept {
  return guarded_with(m, function, std::forward<F>(f), [fallback](int) { return fallback; });
}

std::size_t copy_out(const std::string& s, char* buf, std::size_t size) noexcept {
  if (buf != nullptr && size > 0) {
    std::size_t n = s.size() < size ? s.size() : size - 1;
    std::memcpy(buf, s.data(), n);
    buf[n] = '\0';
  }
  return s.size();
}

// Why a publish or subscribe the facade answered MQTT_ERR_INVAL was invalid.
std::string invalid_why(std::string_view what, std::error_code topic_error, int qos) {
  if (qos < 0 || qos > 2) return "qos must be 0, 1 or 2, not " + std::to_string(qos);
  if (topic_error) return std::string(what) + ": " + topic_error.message();
  return std::string(what) + " refused";
}

tern_message to_c(const tern::web::message& msg) noexcept {
  return tern_message{msg.topic.c_str(), msg.topic.size(),  msg.payload.c_str(), msg.payload.size(),
                      msg.qos,           msg.retain ? 1 : 0, msg.dup ? 1 : 0,    msg.mid};
}

// The facade's message handler that calls a C one.
tern::web::mqtt::message_handler message_handler(tern_mqtt* m, tern_message_cb cb, void* userdata) {
  return [m, cb, userdata](mqtt&, const std::any&, const tern::web::message& msg) {
    auto c = to_c(msg);
    cb(m, userdata, &c);
  };
}

// The facade's on_publish or on_unsubscribe handler that calls a C one.
auto mid_handler(tern_mqtt* m, tern_mid_cb cb, void* userdata) {
  return [m, cb, userdata](mqtt&, const std::any&, tern::message_id mid) { cb(m, userdata, mid); };
}

// Registers a handler through `add`, which gets the C++ handler to register.
template <class Cb, class Add>
std::uint64_t add_handler(tern_mqtt* m, std::string_view function, Cb cb, Add&& add) noexcept {
  if (m == nullptr) return 0;
  if (cb == nullptr) {
    fail(m, function, "the handler is NULL");
    return 0;
  }
  return guarded_or(m, function, std::uint64_t{0}, [&] { return add(m->facade).value; });
}

int not_initialised(tern_mqtt* m, std::string_view function) {
  fail(m, function, "called before tern_mqtt_init_app");
  return TERN_ERR_NO_CONN;
}

// Changes the configuration with `edit`, unless init_app has taken it.
template <class Edit>
int edit_config(tern_mqtt* m, std::string_view function, const std::string& subject, Edit&& edit) {
  {
    std::lock_guard lock(m->m);
    if (!m->config_taken) {
      edit(m->config);
      return TERN_ERR_SUCCESS;
    }
  }
  fail(m, function, subject + "too late: tern_mqtt_init_app has read the configuration");
  return TERN_ERR_INVAL;
}

// Publish, subscribe and unsubscribe: a NULL object or `text` (the topic or
// filter) is invalid, `if_null` saying so; `call` asks the facade; `*mid` is
// the answer's message id, 0 whenever there is none.
template <class Call>
int request(tern_mqtt* m, std::string_view function, const char* text, std::string_view if_null, uint16_t* mid,
            Call&& call) noexcept {
  if (mid != nullptr) *mid = 0;
  if (m == nullptr) return TERN_ERR_INVAL;
  if (text == nullptr) {
    fail(m, function, if_null);
    return TERN_ERR_INVAL;
  }
  return guarded(m, function, [&]() -> int {
    tern::web::mqtt_result r = call(m->facade);
    if (mid != nullptr) *mid = r.mid;
    return static_cast<int>(r.result);
  });
}

}  // namespace

extern "C" {

const char* tern_version(void) noexcept { return TERN_VERSION_STRING; }

const char* tern_result_name(int result) noexcept {
  // The names are string literals, so their views end in a NUL.
  return tern::web::result_name(result).data();
}

tern_mqtt* tern_mqtt_new(unsigned flags) noexcept {
  constexpr unsigned known = TERN_CONNECT_ASYNC | TERN_MQTT_LOGGING | TERN_EXTERNAL_DISPATCH;
  if ((flags & ~known) != 0) return nullptr;
  try {
    tern::web::mqtt_options o;
    o.connect_async = (flags & TERN_CONNECT_ASYNC) != 0;
    o.mqtt_logging = (flags & TERN_MQTT_LOGGING) != 0;
    o.external_dispatch = (flags & TERN_EXTERNAL_DISPATCH) != 0;
    return new tern_mqtt(std::move(o));
  } catch (...) {
    return nullptr;
  }
}

void tern_mqtt_destroy(tern_mqtt* m) noexcept { delete m; }

int tern_mqtt_config_set(tern_mqtt* m, const char* key, const char* value) noexcept {
  constexpr std::string_view fn = "tern_mqtt_config_set";
  if (m == nullptr) return TERN_ERR_INVAL;
  if (key == nullptr || *key == '\0') {
    fail(m, fn, "the key is NULL or empty");
    return TERN_ERR_INVAL;
  }
  return guarded(m, fn, [&]() -> int {
    return edit_config(m, fn, std::string(key) + ": ", [&](tern::web::config_map& c) {
      if (value == nullptr) c.erase(key);
      else c.set(key, std::string(value));
    });
  });
}

int tern_mqtt_config_from_env(tern_mqtt* m) noexcept {
  constexpr std::string_view fn = "tern_mqtt_config_from_env";
  if (m == nullptr) return TERN_ERR_INVAL;
  return guarded(m, fn, [&]() -> int {
    tern::web::env_config env;
    return edit_config(m, fn, "", [&](tern::web::config_map& c) {
      for (const auto& key : env.keys())
        if (auto v = env.get(key)) c.set(key, std::move(*v));
    });
  });
}

int tern_mqtt_config_from_file(tern_mqtt* m, const char* path) noexcept {
  constexpr std::string_view fn = "tern_mqtt_config_from_file";
  if (m == nullptr) return TERN_ERR_INVAL;
  if (path == nullptr) {
    fail(m, fn, "the path is NULL");
    return TERN_ERR_INVAL;
  }
  return guarded(m, fn, [&]() -> int {
    auto file = tern::web::load_config_file(path);  // throws config_error: nothing added
    return edit_config(m, fn, "", [&](tern::web::config_map& c) {
      for (const auto& [key, value] : file.values()) c.set(key, value);
    });
  });
}

int tern_mqtt_init_app(tern_mqtt* m, const char* prefix) noexcept {
  constexpr std::string_view fn = "tern_mqtt_init_app";
  if (m == nullptr) return TERN_ERR_INVAL;
  return guarded(m, fn, [&]() -> int {
    std::string config_prefix = prefix != nullptr ? prefix : "MQTT";
    tern::web::config_map config;
    bool twice;
    {
      std::lock_guard lock(m->m);
      // Taken by another init_app, running or done: one at a time, once.
      twice = m->config_taken;
      if (!twice) config = m->config;
      m->config_taken = true;  // a change from now on would be lost
    }
    if (twice) {
      fail(m, fn, "called twice");
      return TERN_ERR_INVAL;
    }
    try {
      m->facade.init_app(config, std::move(config_prefix));
    } catch (...) {
      std::lock_guard lock(m->m);
      m->config_taken = false;  // mend the configuration, and call again
      throw;
    }
    m->initialised = true;
    return TERN_ERR_SUCCESS;
  });
}

int tern_mqtt_disconnect(tern_mqtt* m) noexcept {
  if (m == nullptr) return TERN_ERR_INVAL;
  if (!m->initialised) return not_initialised(m, "tern_mqtt_disconnect");
  return guarded(m, "tern_mqtt_disconnect", [&]() -> int {
    m->facade.disconnect();
    return TERN_ERR_SUCCESS;
  });
}

int tern_mqtt_stop(tern_mqtt* m, int linger_ms) noexcept {
  if (m == nullptr) return TERN_ERR_INVAL;
  if (!m->initialised) return not_initialised(m, "tern_mqtt_stop");
  return guarded(m, "tern_mqtt_stop", [&]() -> int {
    if (linger_ms < 0) m->facade.stop();
    else m->facade.stop(std::chrono::milliseconds(linger_ms));
    return TERN_ERR_SUCCESS;
  });
}

uint64_t tern_mqtt_on_connect(tern_mqtt* m, tern_connect_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_connect", cb, [&](mqtt& f) {
    return f.on_connect([m, cb, userdata](mqtt&, const std::any&, tern::web::connect_flags flags, int rc) {
      cb(m, userdata, flags.session_present ? 1 : 0, rc);
    });
  });
}

uint64_t tern_mqtt_on_disconnect(tern_mqtt* m, tern_disconnect_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_disconnect", cb, [&](mqtt& f) {
    return f.on_disconnect([m, cb, userdata](mqtt&, const std::any&, int rc) { cb(m, userdata, rc); });
  });
}

uint64_t tern_mqtt_on_message(tern_mqtt* m, tern_message_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_message", cb,
                     [&](mqtt& f) { return f.on_message(message_handler(m, cb, userdata)); });
}

uint64_t tern_mqtt_on_topic(tern_mqtt* m, const char* filter, tern_message_cb cb, void* userdata) noexcept {
  constexpr std::string_view fn = "tern_mqtt_on_topic";
  if (m != nullptr && filter == nullptr) {
    fail(m, fn, "the filter is NULL");
    return 0;
  }
  return add_handler(m, fn, cb, [&](mqtt& f) { return f.on_topic(filter, message_handler(m, cb, userdata)); });
}

uint64_t tern_mqtt_on_publish(tern_mqtt* m, tern_mid_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_publish", cb,
                     [&](mqtt& f) { return f.on_publish(mid_handler(m, cb, userdata)); });
}

uint64_t tern_mqtt_on_subscribe(tern_mqtt* m, tern_subscribe_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_subscribe", cb, [&](mqtt& f) {
    return f.on_subscribe(
        [m, cb, userdata](mqtt&, const std::any&, tern::message_id mid, const std::vector<int>& granted) {
          cb(m, userdata, mid, granted.data(), granted.size());
        });
  });
}

uint64_t tern_mqtt_on_unsubscribe(tern_mqtt* m, tern_mid_cb cb, void* userdata) noexcept {
  return add_handler(m, "tern_mqtt_on_unsubscribe", cb,
                     [&](mqtt& f) { return f.on_unsubscribe(mid_handler(m, cb, userdata)); });
}

uint64_t tern_mqtt_on_log(tern_mqtt* m, unsigned levels, tern_log_cb cb, void* userdata) noexcept {
  constexpr std::string_view fn = "tern_mqtt_on_log";
  if (m != nullptr && (levels == 0 || (levels & ~unsigned{TERN_LOG_ALL}) != 0)) {
    fail(m, fn, "levels must be a non-empty bitwise or of TERN_LOG_* values");
    return 0;
  }
  return add_handler(m, fn, cb, [&](mqtt& f) {
    return f.on_log(
        [m, cb, userdata](mqtt&, const std::any&, tern::log_level level, const std::string& text) {
          cb(m, userdata, static_cast<int>(level), text.c_str());
        },
        static_cast<std::uint8_t>(levels));
  });
}

int tern_mqtt_remove_handler(tern_mqtt* m, uint64_t id) noexcept {
  if (m == nullptr || id == 0) return 0;
  return guarded_or(m, "tern_mqtt_remove_handler", 0,
                 [&] { return m->facade.remove_handler(tern::web::handler_id{id}) ? 1 : 0; });
}

int tern_mqtt_publish(tern_mqtt* m, const char* topic, const void* payload, size_t payload_len, int qos,
                      int retain, uint16_t* mid) noexcept {
  constexpr std::string_view fn = "tern_mqtt_publish";
  return request(m, fn, topic, "the topic is NULL", mid, [&](mqtt& f) -> tern::web::mqtt_result {
    if (payload == nullptr && payload_len > 0) {
      fail(m, fn, "the payload is NULL but its length is not 0");
      return {tern::web::MQTT_ERR_INVAL, 0};
    }
    std::string_view name(topic);
    if (publish_too_long(name.size(), qos, payload_len)) {
      fail(m, fn, "the PUBLISH would exceed MQTT's 268,435,455 bytes");
      return {tern::web::MQTT_ERR_PAYLOAD_SIZE, 0};
    }
    tern::web::payload_data data(std::string_view(static_cast<const char*>(payload), payload_len));
    auto r = f.publish(name, data, qos, retain != 0);
    if (r.result == tern::web::MQTT_ERR_INVAL) fail(m, fn, invalid_why("topic", tern::validate_topic_name(name), qos));
    if (r.result == tern::web::MQTT_ERR_QUEUE_SIZE) fail(m, fn, "the offline queue (MQTT_MAX_QUEUED) is full");
    if (r.result == tern::web::MQTT_ERR_NO_CONN) (void)not_initialised(m, fn);
    return r;
  });
}

int tern_mqtt_subscribe(tern_mqtt* m, const char* filter, int qos, uint16_t* mid) noexcept {
  constexpr std::string_view fn = "tern_mqtt_subscribe";
  return request(m, fn, filter, "the filter is NULL", mid, [&](mqtt& f) {
    auto r = f.subscribe(filter, qos);
    if (r.result == tern::web::MQTT_ERR_INVAL)
      fail(m, fn, invalid_why("filter", tern::validate_topic_filter(filter), qos));
    return r;
  });
}

int tern_mqtt_unsubscribe(tern_mqtt* m, const char* filter, uint16_t* mid) noexcept {
  constexpr std::string_view fn = "tern_mqtt_unsubscribe";
  return request(m, fn, filter, "the filter is NULL", mid, [&](mqtt& f) {
    auto r = f.unsubscribe(filter);
    if (r.result == tern::web::MQTT_ERR_NOT_FOUND) fail(m, fn, std::string(filter) + ": not subscribed");
    return r;
  });
}

int tern_mqtt_status(const tern_mqtt* m, tern_status* out) noexcept {
  if (m == nullptr || out == nullptr) return TERN_ERR_INVAL;
  return guarded(m, "tern_mqtt_status", [&]() -> int {
    auto s = m->facade.status();
    *out = tern_status{s.connected ? 1 : 0, s.last_connack_code, s.reconnects,  s.inflight,
                       s.queued,            s.dropped,           s.messages_in, s.messages_out};
    return TERN_ERR_SUCCESS;
  });
}

size_t tern_mqtt_client_id(const tern_mqtt* m, char* buf, size_t size) noexcept {
  copy_out({}, buf, size);  // what an exception below leaves
  if (m == nullptr) return 0;
  return guarded_or(m, "tern_mqtt_client_id", std::size_t{0}, [&] { return copy_out(m->facade.client_id(), buf, size); });
}

size_t tern_mqtt_error_detail(const tern_mqtt* m, char* buf, size_t size) noexcept {
  if (m == nullptr) return copy_out({}, buf, size);
  std::lock_guard lock(m->m);
  return copy_out(m->error_detail, buf, size);
}

size_t tern_mqtt_connection_error(const tern_mqtt* m, char* buf, size_t size) noexcept {
  copy_out({}, buf, size);  // what an exception below leaves
  if (m == nullptr) return 0;
  return guarded_or(m, "tern_mqtt_connection_error", std::size_t{0}, [&] {
    auto text = m->facade.last_error_detail();
    if (text.empty()) {
      if (auto ec = m->facade.last_error()) text = ec.message();
    }
    return copy_out(text, buf, size);
  });
}

int tern_mqtt_dispatch_fd(const tern_mqtt* m) noexcept { return m == nullptr ? -1 : m->facade.dispatch_fd(); }

size_t tern_mqtt_run_pending(tern_mqtt* m, size_t max) noexcept {
  if (m == nullptr) return 0;
  return guarded_or(m, "tern_mqtt_run_pending", std::size_t{0},
                 [&] { return m->facade.run_pending(max == 0 ? static_cast<std::size_t>(-1) : max); });
}

}  // extern "C"
