// tern_flask._core: tern::web::mqtt for Python (pybind11). The Python
// package (tern_flask/) builds Flask-MQTT's API on it; this module keeps the
// GIL rules in one place:
//  - every call that may block or take the facade's locks releases the GIL;
//  - Python code runs only in `run_pending`, called by the package's
//    dispatcher (a thread, or an eventlet green thread) with the GIL held;
//  - the network thread never touches Python objects.

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tern/topic.hpp"
#include "tern/error.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"
#include "py_config.hpp"
#include "py_handlers.hpp"

namespace py = pybind11;
namespace web = tern::web;

namespace tern::python {
namespace {

/// paho's `(result, mid)`: mid None when nothing was sent or queued.
py::tuple result_tuple(web::mqtt_result r) {
  return py::make_tuple(static_cast<int>(r.result), r.mid == 0 ? py::object(py::none()) : py::int_(r.mid));
}

/// `py::gil_scoped_release` for the dispatcher's daemon thread. Python ends
/// a daemon thread that takes the GIL back once the interpreter finalizes
/// (at exit) with a forced unwind, and a forced unwind through C++ frames
/// ends in std::terminate ("terminate called without an active
/// exception"). So that thread never takes it back then: it parks until
/// the process is gone.
class without_gil_on_a_daemon_thread {
 public:
  without_gil_on_a_daemon_thread() : state_(PyEval_SaveThread()) {}
  ~without_gil_on_a_daemon_thread() {
#if PY_VERSION_HEX >= 0x030D0000
    bool finalizing = Py_IsFinalizing();
#else
    bool finalizing = _Py_IsFinalizing();
#endif
    while (finalizing) ::pause();
    PyEval_RestoreThread(state_);
  }
  without_gil_on_a_daemon_thread(const without_gil_on_a_daemon_thread&) = delete;
  without_gil_on_a_daemon_thread& operator=(const without_gil_on_a_daemon_thread&) = delete;

 private:
  PyThreadState* state_;
};

/// One tern::web::mqtt in external-dispatch mode, plus what its Python
/// handlers are called with.
class core {
 public:
  /// `external_io`: the client's I/O runs inside run_pending too, on the
  /// thread polling dispatch_fd (an asyncio loop's), not on a thread of its own.
  core(bool connect_async, bool mqtt_logging, std::string config_prefix, std::size_t queue_size, bool external_io) {
    web::mqtt_options o;
    o.external_io = external_io;
    o.connect_async = connect_async;
    o.mqtt_logging = mqtt_logging;
    o.config_prefix = std::move(config_prefix);
    o.handler_queue_size = queue_size;
    o.external_dispatch = true;
    m_ = std::make_shared<web::mqtt>(std::move(o));
    ctx_ = std::make_shared<handler_context>();
  }

  ~core() { close(); }

  /// Stops the client and handler dispatch. Without the GIL: the network
  /// thread is joined, and a handler still running may need the GIL to end.
  /// A dispatcher inside `wait_pending`/`run_pending` keeps the facade alive
  /// until it returns (it notices `closing_` within one wait slice).
  void close() {
    if (closing_.exchange(true)) return;
    ctx_->closing = true;
    auto m = std::move(m_);
    py::gil_scoped_release release;
    m.reset();
  }
  bool closed() const { return closing_; }

  void set_owner(const py::object& owner) { ctx_->owner = py::weakref(owner); }
  void set_userdata(py::object userdata) { ctx_->userdata = std::move(userdata); }
  py::object userdata() const { return ctx_->userdata; }

  void init_app(const py::dict& config, const std::string& prefix) {
    auto cfg = config_from_dict(config, prefix);  // with the GIL: reads Python objects
    auto& m = facade();
    py::gil_scoped_release release;
    m.init_app(cfg, prefix);
  }

  std::uint64_t add(const std::string& kind, py::object fn, const std::string& form, int levels) {
    return register_handler(facade(), ctx_, kind, std::move(fn), form, static_cast<std::uint8_t>(levels)).value;
  }
  std::uint64_t add_topic(const std::string& filter, py::object fn, const std::string& form) {
    return register_topic_handler(facade(), ctx_, filter, std::move(fn), form).value;
  }
  // With the GIL held: removing may drop the last reference to a Python callable.
  bool remove(std::uint64_t id) { return facade().remove_handler(web::handler_id{id}); }

  py::tuple publish(const std::string& topic, const py::bytes& payload, int qos, bool retain) {
    auto& m = facade();
    std::string_view bytes = payload;  // the bytes object outlives the call
    web::mqtt_result r;
    {
      py::gil_scoped_release release;
      r = m.publish(topic, web::payload_data(bytes), qos, retain);
    }
    return result_tuple(r);
  }
  py::tuple subscribe(const std::vector<std::pair<std::string, int>>& topics) {
    std::vector<web::topic_qos> t;
    t.reserve(topics.size());
    for (const auto& [f, q] : topics) t.push_back({tern::text(f), q});
    auto& m = facade();
    web::mqtt_result r;
    {
      py::gil_scoped_release release;
      r = m.subscribe(t);
    }
    return result_tuple(r);
  }
  py::tuple unsubscribe(const std::string& topic) {
    auto& m = facade();
    web::mqtt_result r;
    {
      py::gil_scoped_release release;
      r = m.unsubscribe(topic);
    }
    return result_tuple(r);
  }
  bool hold_subscription(const std::string& filter, int qos) { return facade().hold_subscription(filter, qos); }
  void release_subscription(const std::string& filter) { facade().release_subscription(filter); }
  std::vector<std::pair<std::string, int>> topics() const {
    std::vector<std::pair<std::string, int>> out;
    for (const auto& t : facade().topics()) out.emplace_back(std::string(t.topic), t.qos);
    return out;
  }
  py::dict status() const {
    auto s = facade().status();
    py::dict d;
    d["connected"] = s.connected;
    d["reconnects"] = s.reconnects;
    d["inflight"] = s.inflight;
    d["queued"] = s.queued;
    d["dropped"] = s.dropped;
    d["last_connack_code"] = s.last_connack_code;
    d["messages_in"] = s.messages_in;
    d["messages_out"] = s.messages_out;
    return d;
  }
  bool connected() const { return m_ && !closing_ && m_->status().connected; }
  /// In words, with the details (file, OpenSSL's reason) when there are some.
  std::string last_error() const {
    auto& m = facade();
    if (auto detail = m.last_error_detail(); !detail.empty()) return detail;
    auto ec = m.last_error();
    return ec ? ec.message() : std::string();
  }
  std::string client_id() const { return facade().client_id(); }
  void disconnect() {
    auto& m = facade();
    py::gil_scoped_release release;
    m.disconnect();
  }
  /// Delivers what was published within MQTT_STOP_LINGER, then DISCONNECT;
  /// reports the rest. Its handler events wait for the dispatcher.
  void stop() {
    auto& m = facade();
    py::gil_scoped_release release;
    m.stop();
  }

  // ---- dispatch ----

  /// Runs up to `max` handler events with the GIL held (they are Python
  /// calls). One call into the facade per batch: a handler still queued when
  /// `close` runs is skipped without calling Python (handler_context::closing).
  std::size_t run_pending(std::size_t max) {
    auto m = m_;
    if (!m || closing_) return 0;
    return m->run_pending(max);
  }
  /// Waits without the GIL, in slices so that `close` is noticed.
  bool wait_pending(double timeout_s) {
    auto m = m_;
    if (!m || closing_) return false;
    without_gil_on_a_daemon_thread release;
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::duration<double>(timeout_s < 0 ? 1e9 : timeout_s);
    while (!closing_) {
      if (m->wait_pending(200)) return true;
      if (clock::now() >= deadline) return false;
    }
    return false;
  }
  bool wait_idle(double timeout_s) {
    auto m = m_;
    if (!m) return true;
    py::gil_scoped_release release;
    return m->wait_idle(static_cast<int>(timeout_s * 1000));
  }
  int dispatch_fd() const { return m_ ? m_->dispatch_fd() : -1; }

 private:
  web::mqtt& facade() const {
    if (!m_ || closing_) throw std::runtime_error("tern_flask: this MQTT client is closed");
    return *m_;
  }

  std::shared_ptr<web::mqtt> m_;
  std::atomic<bool> closing_{false};
  std::shared_ptr<handler_context> ctx_;
};

}  // namespace
}  // namespace tern::python

PYBIND11_MODULE(_core, mod) {
  using tern::python::core;
  mod.doc() = "tern's MQTT client facade (tern::web::mqtt) for tern_flask; use tern_flask.Mqtt.";

  tern::python::define_message_type(mod);

  py::register_exception<tern::web::config_error>(mod, "ConfigError", PyExc_ValueError);

  py::class_<core>(mod, "Core")
      .def(py::init<bool, bool, std::string, std::size_t, bool>(), py::arg("connect_async"), py::arg("mqtt_logging"),
           py::arg("config_prefix"), py::arg("queue_size"), py::arg("external_io") = false)
      .def("close", &core::close)
      .def_property_readonly("closed", &core::closed)
      .def("set_owner", &core::set_owner)
      .def("set_userdata", &core::set_userdata)
      .def_property_readonly("userdata", &core::userdata)
      .def("init_app", &core::init_app, py::arg("config"), py::arg("prefix"))
      .def("add", &core::add, py::arg("kind"), py::arg("fn"), py::arg("form") = "full", py::arg("levels") = 0x1F)
      .def("add_topic", &core::add_topic, py::arg("filter"), py::arg("fn"), py::arg("form") = "full")
      .def("remove", &core::remove)
      .def("publish", &core::publish)
      .def("subscribe", &core::subscribe)
      .def("unsubscribe", &core::unsubscribe)
      .def("hold_subscription", &core::hold_subscription, py::arg("filter"), py::arg("qos") = 0)
      .def("release_subscription", &core::release_subscription, py::arg("filter"))
      .def("topics", &core::topics)
      .def("status", &core::status)
      .def_property_readonly("connected", &core::connected)
      .def("last_error", &core::last_error)
      .def("client_id", &core::client_id)
      .def("disconnect", &core::disconnect)
      .def("stop", &core::stop)
      .def("run_pending", &core::run_pending)
      .def("wait_pending", &core::wait_pending)
      .def("wait_idle", &core::wait_idle)
      .def("dispatch_fd", &core::dispatch_fd);

  // The result codes from the facade's one table (the HTTP bridge answers
  // with the same names), then the log levels.
  for (const auto& [name, value] : tern::web::result_names())
    mod.attr(std::string(name).c_str()) = static_cast<int>(value);
  for (auto [name, value] : std::initializer_list<std::pair<const char*, int>>{
           {"MQTT_LOG_INFO", static_cast<int>(tern::web::MQTT_LOG_INFO)},
           {"MQTT_LOG_NOTICE", static_cast<int>(tern::web::MQTT_LOG_NOTICE)},
           {"MQTT_LOG_WARNING", static_cast<int>(tern::web::MQTT_LOG_WARNING)},
           {"MQTT_LOG_ERR", static_cast<int>(tern::web::MQTT_LOG_ERR)},
           {"MQTT_LOG_DEBUG", static_cast<int>(tern::web::MQTT_LOG_DEBUG)},
       })
    mod.attr(name) = value;

  // The topic rules of the C++ client, for Python code that routes messages
  // itself (the asyncio package's per-connection streams).
  mod.def("topic_matches", [](std::string_view filter, std::string_view topic) {
    return tern::matches(filter, topic);
  }, py::arg("filter"), py::arg("topic"),
      "Whether `topic` matches the filter (wildcards; $share/<group>/ filters match as their filter).");
  mod.def("filter_error", [](std::string_view filter) {
    auto ec = tern::validate_topic_filter(filter);
    return ec ? ec.message() : std::string();
  }, py::arg("filter"), "Why `filter` is not a valid topic filter; empty when it is.");
  mod.def("topic_error", [](std::string_view name) {
    auto ec = tern::validate_topic_name(name);
    return ec ? ec.message() : std::string();
  }, py::arg("topic"), "Why `topic` is not a valid topic name to publish to; empty when it is.");

  mod.def("config_keys", [] {
    std::vector<std::string> out;
    for (const auto& k : tern::web::config_keys()) out.emplace_back(k.suffix);
    return out;
  }, "The suffixes of every configuration key (BROKER_URL, ...).");
}
