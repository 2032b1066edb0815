#include "process_usage.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <string>

namespace tern::load {
namespace {

// Opened once, at the first call: a run that exhausts the descriptors must
// still be able to read its own figures.
long status_field(const char* name) {
  static int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  char buf[4096];
  auto n = fd < 0 ? -1 : ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char* at = std::strstr(buf, name);
  return at ? std::strtol(at + std::strlen(name), nullptr, 10) : -1;
}

}  // namespace

long rss_kib() { return status_field("VmRSS:"); }

int thread_count() { return static_cast<int>(status_field("Threads:")); }

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string raise_fd_limit(std::size_t wanted) {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) != 0) return std::string("cannot read the file-descriptor limit: ") + std::strerror(errno);
  if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur >= wanted) return {};
  rlimit want = l;
  want.rlim_cur = (l.rlim_max == RLIM_INFINITY || l.rlim_max >= wanted) ? wanted : l.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &want) != 0)
    return "cannot raise the file-descriptor limit from " + std::to_string(l.rlim_cur) + ": " + std::strerror(errno);
  if (want.rlim_cur < wanted)
    return "the file-descriptor limit is " + std::to_string(want.rlim_cur) + " (the hard limit), " + std::to_string(wanted) +
           " wanted: connections beyond it will fail (raise it with ulimit -Hn as root)";
  return {};
}

}  // namespace tern::load
