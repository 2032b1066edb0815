#pragma once
// The row's line: key=value fields separated by spaces; text values have
// their spaces replaced, so that every field stays one word.

#include <cstdio>
#include <sstream>
#include <string>

#include "proc_stats.hpp"

namespace tern::web_bench {

class row_line {
 public:
  template <class T>
  row_line& add(const char* key, const T& value) {
    out_ << (first_ ? "" : " ") << key << '=' << value;
    first_ = false;
    return *this;
  }
  row_line& text(const char* key, std::string value) {
    for (auto& c : value)
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
    return add(key, value.empty() ? "-" : value);
  }
  void print() {
    std::printf("%s\n", out_.str().c_str());
    std::fflush(stdout);
  }

 private:
  std::ostringstream out_;
  bool first_ = true;
};

/// Server CPU and RSS over an interval, from /proc.
struct server_probe {
  pid_t pid;
  double cpu0 = process_cpu_seconds(pid);
  double own0 = own_cpu_seconds();
  double cpu_used() const { return process_cpu_seconds(pid) - cpu0; }
  /// What the bench itself spent meanwhile: its readers' and publisher's cost.
  double own_cpu_used() const { return own_cpu_seconds() - own0; }
  std::int64_t rss_kib() const { return process_rss_kib(pid); }
};

}  // namespace tern::web_bench
