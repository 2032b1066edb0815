#pragma once
// What /proc/self says of the test process: its threads, its open
// descriptors, its resident memory. For tests that check nothing is left
// behind, or that something costs no thread.

#include <dirent.h>

#include <fstream>
#include <string>

namespace tern::test {

inline int directory_entries(const char* dir) {
  int n = 0;
  if (DIR* d = ::opendir(dir)) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

inline int thread_count() { return directory_entries("/proc/self/task"); }
inline int open_files() { return directory_entries("/proc/self/fd"); }

/// VmRSS, in KiB.
inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

}  // namespace tern::test
