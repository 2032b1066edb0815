#include "py_handlers.hpp"

#include <Python.h>

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

/// paho's MQTTMessage: built once per message, with Python objects made at
/// once (the handler reads them; building them lazily would copy twice).
struct py_message {
  py::object topic;
  py::object payload;
  int qos = 0;
  bool retain = false;
  bool dup = false;
  int mid = 0;
};

py::object make_message(const web::message& m) {
  py_message pm;
  PyObject* t = PyUnicode_DecodeUTF8(m.topic.data(), static_cast<Py_ssize_t>(m.topic.size()), "surrogateescape");
  if (!t) throw py::error_already_set();
  pm.topic = py::reinterpret_steal<py::object>(t);
  pm.payload = py::bytes(m.payload.data(), m.payload.size());
  pm.qos = m.qos;
  pm.retain = m.retain;
  pm.dup = m.dup;
  pm.mid = m.mid;
  return py::cast(std::move(pm));
}

/// Calls a Python handler; a Python exception becomes a C++ exception whose
/// text holds the traceback, which the facade logs at ERR (on_log handlers
/// and Python's logging) before going on with the next handler.
template <class... Args>
void call(const py_callable& fn, Args&&... args) {
  try {
    fn.get()(std::forward<Args>(args)...);
  } catch (py::error_already_set& e) {
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
}

py::object owner_of(const handler_context& c) { return c.owner ? c.owner() : py::none(); }

}  // namespace

web::handler_id register_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx, const std::string& kind,
                                 py::object fn) {
  auto f = std::make_shared<py_callable>(std::move(fn));
  if (kind == "connect")
    return m.on_connect([ctx, f](web::mqtt&, const std::any&, web::connect_flags flags, int rc) {
      py::dict d;
      d["session present"] = flags.session_present ? 1 : 0;
      call(*f, owner_of(*ctx), ctx->userdata, d, rc);
    });
  if (kind == "disconnect")
    return m.on_disconnect([ctx, f](web::mqtt&, const std::any&, int rc) {
      call(*f, owner_of(*ctx), ctx->userdata, rc);
    });
  if (kind == "message")
    return m.on_message([ctx, f](web::mqtt&, const std::any&, const web::message& msg) {
      call(*f, owner_of(*ctx), ctx->userdata, make_message(msg));
    });
  if (kind == "publish")
    return m.on_publish([ctx, f](web::mqtt&, const std::any&, message_id mid) {
      call(*f, owner_of(*ctx), ctx->userdata, mid);
    });
  if (kind == "subscribe")
    return m.on_subscribe([ctx, f](web::mqtt&, const std::any&, message_id mid, const std::vector<int>& granted) {
      call(*f, owner_of(*ctx), ctx->userdata, mid, py::tuple(py::cast(granted)));
    });
  if (kind == "unsubscribe")
    return m.on_unsubscribe([ctx, f](web::mqtt&, const std::any&, message_id mid) {
      call(*f, owner_of(*ctx), ctx->userdata, mid);
    });
  if (kind == "log")
    return m.on_log([ctx, f](web::mqtt&, const std::any&, log_level level, const std::string& text) {
      call(*f, owner_of(*ctx), ctx->userdata, static_cast<int>(level), text);
    });
  throw std::invalid_argument("tern_flask: unknown handler kind '" + kind + "'");
}

web::handler_id register_topic_handler(web::mqtt& m, const std::shared_ptr<handler_context>& ctx,
                                       const std::string& filter, py::object fn) {
  auto f = std::make_shared<py_callable>(std::move(fn));
  return m.on_topic(filter, [ctx, f](web::mqtt&, const std::any&, const web::message& msg) {
    call(*f, owner_of(*ctx), ctx->userdata, make_message(msg));
  });
}

void define_message_type(py::module_& mod) {
  py::class_<py_message>(mod, "MQTTMessage", "A received message, as paho's MQTTMessage.")
      .def_readonly("topic", &py_message::topic, "The topic (str).")
      .def_readonly("payload", &py_message::payload, "The payload (bytes).")
      .def_readonly("qos", &py_message::qos)
      .def_readonly("retain", &py_message::retain)
      .def_readonly("dup", &py_message::dup)
      .def_readonly("mid", &py_message::mid, "The packet id of a QoS 1/2 message; 0 for QoS 0.")
      .def("__repr__", [](const py_message& m) {
        return "<MQTTMessage topic=" + py::repr(m.topic).cast<std::string>() + " qos=" + std::to_string(m.qos) +
               " retain=" + (m.retain ? "True" : "False") + " payload=" + py::repr(m.payload).cast<std::string>() +
               ">";
      });
}

}  // namespace tern::python
