// The strict reading of a bridge request's JSON body.

#include "web/request_body.hpp"

#include <algorithm>

#include "web/json_out.hpp"

namespace tern::web::detail {

// Appended, not "'" + s + "'": GCC 12 warns wrongly (-Wrestrict) on that at -O3.
std::string in_quotes(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  return out.append(1, '\'').append(s).append(1, '\'');
}

http_response json_response(int status, std::string body) { return {status, "application/json", std::move(body)}; }

http_response error_response(int status, std::string_view text) {
  return json_response(status, json_object().add("error", text).str());
}

request_body::request_body(std::string_view text, bool may_be_empty) {
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
}

void request_body::allow_only(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : map_.values()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) {
      if (!list.empty()) list += ", ";
      list += a;
    }
    if (list.empty()) list = "none";
    throw request_error{400, "unknown field " + in_quotes(key) + " (expected: " + list + ")"};
  }
}

const config_value* request_body::find(std::string_view key) const {
  auto it = map_.values().find(key);
  if (it == map_.values().end() || std::holds_alternative<std::monostate>(it->second)) return nullptr;
  return &it->second;
}

std::string request_body::required_string(std::string_view key) const {
  auto* v = find(key);
  if (!v) throw request_error{400, "missing field " + in_quotes(key)};
  auto* s = std::get_if<std::string>(v);
  if (!s) throw request_error{400, "field " + in_quotes(key) + " must be a string"};
  return *s;
}

int request_body::qos() const {
  auto* v = find("qos");
  if (!v) return 0;
  auto* n = std::get_if<std::int64_t>(v);
  if (!n || *n < 0 || *n > 2) throw request_error{400, "field 'qos' must be 0, 1 or 2"};
  return static_cast<int>(*n);
}

bool request_body::flag(std::string_view key) const {
  auto* v = find(key);
  if (!v) return false;
  auto* b = std::get_if<bool>(v);
  if (!b) throw request_error{400, "field " + in_quotes(key) + " must be true or false"};
  return *b;
}

}  // namespace tern::web::detail
