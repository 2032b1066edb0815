// A strict parser of INI-style `KEY = value` files.

#include "tern/web/config.hpp"

namespace tern::web {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

config_map parse_ini_config(std::string_view text, std::string_view origin) {
  config_map out;
  std::size_t line_no = 0;
  auto fail = [&](const std::string& what) -> config_error {
    return config_error(std::string(origin) + ":" + std::to_string(line_no) + ": " + what);
  };
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') throw fail("sections are not supported: put every key at the top level");
    auto eq = line.find('=');
    if (eq == std::string_view::npos) throw fail("expected KEY = value");
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (key.empty()) throw fail("empty key");
    std::string v;
    if (!value.empty() && value.front() == '"') {
      std::size_t i = 1;
      for (; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) ++i;
        v += value[i];
      }
      if (i != value.size() - 1) throw fail("a quoted value must end with its closing quote");
    } else {
      v = value;
    }
    if (out.get(key)) throw fail("duplicate key " + std::string(key));
    out.set(std::string(key), std::move(v));
  }
  return out;
}

}  // namespace tern::web
