#pragma once
// The first problem a run met, kept for its result line: several reader
// threads may report one.

#include <mutex>
#include <string>
#include <string_view>

namespace tern::web_bench {

class problem_note {
 public:
  void note(std::string_view why) {
    std::lock_guard lock(m_);
    if (first_.empty()) first_ = why;
  }
  std::string first() {
    std::lock_guard lock(m_);
    return first_;
  }

 private:
  std::mutex m_;
  std::string first_;
};

}  // namespace tern::web_bench
