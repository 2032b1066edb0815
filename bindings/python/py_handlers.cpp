#include "py_handlers.hpp"

#include <Python.h>
#include <structmember.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace tern::python {
namespace {

/// A Python callable owned by C++ handler slots, which the facade may drop on
/// any thread (remove_handler, destruction): the reference is released with
/// the GIL taken, or leaked once the interpreter is finalizing.
class py_callable {
 public:
  explicit py_callable(py::object fn) : fn_(fn.release().ptr()) {}
  ~py_callable() {
    if (!Py_IsInitialized() || _Py_IsFinalizing()) return;  // leak: too late to call into Python
    PyGILState_STATE s = PyGILState_Ensure();
    Py_DECREF(fn_);
    PyGILState_Release(s);
  }
  py_callable(const py_callable&) = delete;
  py_callable& operator=(const py_callable&) = delete;
  py::handle get() const noexcept { return fn_; }

 private:
  PyObject* fn_;
};

/// paho's MQTTMessage as a small C type: one allocation per message, no
/// pybind11 instance bookkeeping (type lookup, holder, instance registry),
/// attribute reads are plain slot reads. Built eagerly: the handler reads
/// the fields anyway, and building them lazily would copy the message twice.
struct message_object {
  PyObject_HEAD
  PyObject* topic;
  PyObject* payload;
  double timestamp;  // seconds on time.monotonic()'s clock
  std::uint16_t mid;
  unsigned char qos;
  char retain;
  char dup;
};
// Narrow fields keep the timestamp inside the 48 bytes pymalloc served
// before it: the same size class, so the same cost per message.
static_assert(sizeof(message_object) <= sizeof(PyObject) + 32);

PyTypeObject* message_type = nullptr;  // set once by define_message_type, kept alive by the module

void message_dealloc(PyObject* self) {
  auto* m = reinterpret_cast<message_object*>(self);
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(m->topic);
  Py_XDECREF(m->payload);
  type->tp_free(self);
  Py_DECREF(type);  // instances of a heap type own a reference to it
}

PyObject* message_repr(PyObject* self) {
  auto* m = reinterpret_cast<message_object*>(self);
  return PyUnicode_FromFormat("<MQTTMessage topic=%R qos=%d retain=%s payload=%R>", m->topic, m->qos,
                              m->retain ? "True" : "False", m->payload);
}

/// paho's MQTT 5 properties: None under MQTT 3.1.1, which is all tern speaks,
/// so nothing is stored per message.
PyObject* message_properties(PyObject*, void*) { Py_RETURN_NONE; }

/// A new reference to the message object, or a Python exception set.
py::object make_message(const web::message& m) {
  auto topic = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(m.topic.data(), static_cast<Py_ssize_t>(m.topic.size()), "surrogateescape"));
  if (!topic) throw py::error_already_set();
  auto payload = py::reinterpret_steal<py::object>(
      PyBytes_FromStringAndSize(m.payload.data(), static_cast<Py_ssize_t>(m.payload.size())));
  if (!payload) throw py::error_already_set();
  auto* o = PyObject_New(message_object, message_type);
  if (!o) throw py::error_already_set();
  o->topic = topic.release().ptr();
  o->payload = payload.release().ptr();
  // steady_clock and time.monotonic() both read CLOCK_MONOTONIC: no offset to apply.
  o->timestamp = std::chrono::duration<double>(std::chrono::steady_clock::time_point(m.received).time_since_epoch()).count();
  o->qos = static_cast<unsigned char>(m.qos);
  o->mid = m.mid;
  o->retain = m.retain ? 1 : 0;
  o->dup = m.dup ? 1 : 0;
  return py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(o));
}

/// A Python exception from a handler becomes a C++ exception whose text
/// holds the traceback, which the facade logs at ERR (on_log handlers and
/// Python's logging) before going on with the next handler.
[[noreturn]] void rethrow_handler_error(const py_callable& fn) {
  py::error_already_set e;
  std::string text;
  try {
    auto fmt = py::module_::import("traceback").attr("format_exception")(e.type(), e.value(), e.trace());
    text = py::str("").attr("join")(fmt).cast<std::string>();
  } catch (...) {
    text = e.what();
  }
  std::string name;
  try {
    name = py::str(py::getattr(fn.get(), "__qualname__", py::str("handler"))).cast<std::string>();
  } catch (...) {
    name = "handler";
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  throw std::runtime_error("handler " + name + " raised:\n" + text);
}

/// The handler's `client`: the Python Mqtt object, or None once it is gone.
py::object owner_of(const handler_context& c) {
  if (!c.owner) return py::none();
  return py::reinterpret_borrow<py::object>(PyWeakref_GetObject(c.owner.ptr()));  // borrowed: None when dead
}

/// Calls a Python handler as `fn(client, userdata, args...)` through
/// vectorcall (no argument tuple); skipped once the core is closing.
template <class... Args>
void call(const handler_context& ctx, const py_callable& fn, Args&&... args) {
  if (ctx.closing.load(std::memory_order_relaxed)) return;
  py::object argv[] = {owner_of(ctx), ctx.userdata, py::reinterpret_steal<py::object>(
                                                        py::detail::make_caster<Args>::cast(
                                                            std::forward<Args>(args), py::return_value_policy::copy,
                                                            nullptr))...};
  PyObject* raw[sizeof...(Args) + 2];
  for (std::size_t i = 0; i < std::size(argv); ++i) {
    if (!argv[i]) throw py::error_already_set();
    raw[i] = argv[i].ptr();
  }
  PyObject* r = PyObject_Vectorcall(fn.get().ptr(), raw, std::size(argv), nullptr);
  if (!r) rethrow_handler_error(fn);
  Py_DECREF(r);
}

/// Calls a handler that takes no arguments (Flask-MQTT's on_disconnect
/// before 1.3); skipped once the core is closing.
void call_bare(const handler_context& ctx, const py_callable& fn) {
  if (ctx.closing.load(std::memory_order_relaxed)) return;
  PyObject* r = PyObject_Vectorcall(fn.get().ptr(), nullptr, 0, nullptr);
  if (!r) rethrow_handler_error(fn);
  Py_DECREF(r);
}

/// An on_log handler that raised: reported to Python's logging only, since
/// passing it to the on_log handlers could raise again, without end.
void report_log_handler_failure(const std::exception& e) {
  try {
    py::module_::import("logging")
        .attr("getLogger")("tern_flask")
        .attr("error")("%s (not passed to on_log handlers)", e.what());
  } catch (py::error_already_set& err) {
    err.discard_as_unraisable("tern_flask: reporting a failed on_log handler");
  } catch (...) {
  }
}

}  // namespace

namespace {

/// A message handler as the form asks: `fn(client, userdata, message)`
/// ("full"), or `fn(message)` ("message": for the asyncio package, whose
/// handlers put messages into queues and need nothing else).
web::mqtt::message_handler message_handler_for(const std::shared_ptr<handler_context>& ctx,
                                               std::shared_ptr<py_callable> f, bool full) {
  if (full)
    return [ctx, f](web::mqtt&, const std::any&, const web::message& msg) { call(*ctx, *f, make_message(msg)); };
  return [ctx, f](web::mqtt&, const std::any&, const web::message& msg) {
    if (ctx->closing.load(std::memory_order_relaxed)) return;
    auto o = make_message(msg);
    PyObject* arg = o.ptr();
    PyObject* r = PyObject_Vectorcall(f->get().ptr(), &arg, 1, nullptr);
    if (!r) rethrow_handler_error(*f);
    Py_DECREF(r);
  };
}

bool is_message_kind(const std::string& kind) { return kind == "message" || kind == "every_message"; }

}  // namespace

web::handler_id register_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx, const std::string& kind,
                                 py::object fn, const std::string& form, std::uint8_t levels) {
  bool full = form == "full";
  if (!full && !(kind == "disconnect" && form == "none") && !(kind == "connect" && form == "no_flags") &&
      !(is_message_kind(kind) && form == "message"))
    throw std::invalid_argument("tern_flask: no handler form '" + form + "' for '" + kind + "'");
  auto f = std::make_shared<py_callable>(std::move(fn));
  if (kind == "connect" && full)
    return m.on_connect([ctx, f](web::mqtt&, const std::any&, web::connect_flags flags, int rc) {
      py::dict d;
      d["session present"] = flags.session_present ? 1 : 0;
      call(*ctx, *f, d, rc);
    });
  if (kind == "connect")
    return m.on_connect([ctx, f](web::mqtt&, const std::any&, web::connect_flags, int rc) { call(*ctx, *f, rc); });
  if (kind == "disconnect" && full)
    return m.on_disconnect([ctx, f](web::mqtt&, const std::any&, int rc) {
      call(*ctx, *f, rc);
    });
  if (kind == "disconnect")
    return m.on_disconnect([ctx, f](web::mqtt&, const std::any&, int) { call_bare(*ctx, *f); });
  if (kind == "message") return m.on_message(message_handler_for(ctx, f, full));
  if (kind == "every_message") return m.on_every_message(message_handler_for(ctx, f, full));
  if (kind == "publish")
    return m.on_publish([ctx, f](web::mqtt&, const std::any&, message_id mid) {
      call(*ctx, *f, mid);
    });
  if (kind == "subscribe")
    return m.on_subscribe([ctx, f](web::mqtt&, const std::any&, message_id mid, const std::vector<int>& granted) {
      // paho's granted_qos: a tuple of ints. Built by hand: this file has no
      // pybind11/stl.h (py::cast of a std::vector here failed at run time).
      py::tuple g(granted.size());
      for (std::size_t k = 0; k < granted.size(); ++k) g[k] = py::int_(granted[k]);
      call(*ctx, *f, mid, g);
    });
  if (kind == "unsubscribe")
    return m.on_unsubscribe([ctx, f](web::mqtt&, const std::any&, message_id mid) {
      call(*ctx, *f, mid);
    });
  if (kind == "log")
    return m.on_log(
        [ctx, f](web::mqtt&, const std::any&, log_level level, const std::string& text) {
          try {
            call(*ctx, *f, static_cast<int>(level), text);
          } catch (const std::exception& e) {
            report_log_handler_failure(e);
          }
        },
        levels);
  throw std::invalid_argument("tern_flask: unknown handler kind '" + kind + "'");
}

web::handler_id register_topic_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx,
                                       const std::string& filter, py::object fn, const std::string& form) {
  if (form != "full" && form != "message")
    throw std::invalid_argument("tern_flask: no handler form '" + form + "' for 'topic'");
  return m.on_topic(filter, message_handler_for(ctx, std::make_shared<py_callable>(std::move(fn)), form == "full"));
}

void define_message_type(py::module_& mod) {
  static PyMemberDef members[] = {
      {"topic", T_OBJECT_EX, offsetof(message_object, topic), READONLY, "The topic (str)."},
      {"payload", T_OBJECT_EX, offsetof(message_object, payload), READONLY, "The payload (bytes)."},
      {"qos", T_UBYTE, offsetof(message_object, qos), READONLY, nullptr},
      {"retain", T_BOOL, offsetof(message_object, retain), READONLY, nullptr},
      {"dup", T_BOOL, offsetof(message_object, dup), READONLY, nullptr},
      {"mid", T_USHORT, offsetof(message_object, mid), READONLY, "The packet id of a QoS 1/2 message; 0 for QoS 0."},
      {"timestamp", T_DOUBLE, offsetof(message_object, timestamp), READONLY,
       "time.monotonic() when the message was received from the network (not when the handler runs)."},
      {nullptr, 0, 0, 0, nullptr},
  };
  static PyGetSetDef getset[] = {
      {"properties", message_properties, nullptr, "MQTT 5 properties: None (MQTT 3.1.1).", nullptr},
      {nullptr, nullptr, nullptr, nullptr, nullptr},
  };
  static PyType_Slot slots[] = {
      {Py_tp_dealloc, reinterpret_cast<void*>(&message_dealloc)},
      {Py_tp_repr, reinterpret_cast<void*>(&message_repr)},
      {Py_tp_members, members},
      {Py_tp_getset, getset},
      {Py_tp_doc, const_cast<char*>("A received message, as paho's MQTTMessage.")},
      {0, nullptr},
  };
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
  constexpr unsigned flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION;
#else
  constexpr unsigned flags = Py_TPFLAGS_DEFAULT;
#endif
  static PyType_Spec spec = {"tern_flask._core.MQTTMessage", sizeof(message_object), 0, flags, slots};
  auto type = py::reinterpret_steal<py::object>(PyType_FromSpec(&spec));
  if (!type) throw py::error_already_set();
  message_type = reinterpret_cast<PyTypeObject*>(type.ptr());
  Py_INCREF(type.ptr());  // held for the process's lifetime: messages may outlive the module object
  mod.attr("MQTTMessage") = type;
}

}  // namespace tern::python
