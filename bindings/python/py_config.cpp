#include "py_config.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace py = pybind11;

namespace tern::python {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != std::toupper(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

web::config_value to_value(const std::string& key, py::handle v, py::handle enum_type) {
  if (v.is_none()) return std::monostate{};
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  // Before int: ssl.CERT_REQUIRED is an IntEnum, and its name says more than 2.
  if (py::isinstance(v, enum_type)) return v.attr("name").cast<std::string>();
  if (py::isinstance<py::int_>(v)) {
    try {
      return v.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      throw web::config_error(key + ": the integer " + py::str(v).cast<std::string>() + " is out of range");
    }
  }
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::bytes>(v)) return std::string(v.cast<std::string_view>());
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    std::vector<std::string> out;
    for (auto item : v) {
      if (!py::isinstance<py::str>(item))
        throw web::config_error(key + ": expected a list of strings, found an item of type " +
                                py::str(py::type::of(item).attr("__name__")).cast<std::string>());
      out.push_back(item.cast<std::string>());
    }
    return out;
  }
  throw web::config_error(key + ": a value of type " + py::str(py::type::of(v).attr("__name__")).cast<std::string>() +
                          " is not supported (use str, int, float, bool, None or a list of str)");
}

}  // namespace

web::config_map config_from_dict(const py::dict& config, std::string_view prefix) {
  auto enum_type = py::module_::import("enum").attr("Enum");
  web::config_map out;
  for (auto [k, v] : config) {
    if (!py::isinstance<py::str>(k)) continue;
    auto key = k.cast<std::string>();
    if (!starts_with_nocase(key, prefix)) continue;
    out.set(key, to_value(key, v, enum_type));
  }
  return out;
}

}  // namespace tern::python
