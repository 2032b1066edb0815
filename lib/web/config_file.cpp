// load_config_file: picks the parser by the file's extension.

#include <fstream>
#include <sstream>

#include "tern/web/config.hpp"

namespace tern::web {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

config_map load_config_file(const std::string& path) {
  bool json = ends_with(path, ".json");
  bool ini = ends_with(path, ".ini") || ends_with(path, ".cfg") || ends_with(path, ".conf") || ends_with(path, ".env");
  if (!json && !ini) throw config_error(path + ": unknown config file type (expected .json, .ini, .cfg, .conf or .env)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw config_error(path + ": read error");
  return json ? parse_json_config(text.str(), path) : parse_ini_config(text.str(), path);
}

}  // namespace tern::web
