#include "web/client_id_template.hpp"

#include <unistd.h>

#include <random>

namespace tern::web::detail {

template_values template_values_now() {
  template_values v;
  v.pid = std::to_string(::getpid());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) v.hostname = host;
  else v.hostname = "localhost";
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, 35);
  for (int i = 0; i < 8; ++i) v.random += alphabet[pick(rd)];
  return v;
}

bool expand_client_id(std::string_view pattern, const template_values& values, std::string& out,
                      std::string& error) {
  out.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      error = "a lone '}' (write '}}' for a literal brace)";
      return false;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    auto close = pattern.find('}', i);
    if (close == std::string_view::npos) {
      error = "a '{' without '}' (write '{{' for a literal brace)";
      return false;
    }
    auto name = pattern.substr(i + 1, close - i - 1);
    if (name == "pid") out += values.pid;
    else if (name == "hostname") out += values.hostname;
    else if (name == "random") out += values.random;
    else {
      error = "unknown placeholder {" + std::string(name) + "} (known: {pid}, {hostname}, {random})";
      return false;
    }
    i = close;
  }
  return true;
}

}  // namespace tern::web::detail
