#pragma once
// What the server under test spends, read from /proc: the bench's own
// readers and publisher never count.

#include <sys/types.h>

#include <cstdint>

namespace tern::web_bench {

/// utime + stime of every thread of `pid`, in seconds; negative when unreadable.
double process_cpu_seconds(pid_t pid);

/// utime + stime of this process (the bench's readers and publisher), in seconds.
double own_cpu_seconds();

/// VmRSS of `pid`, in KiB; negative when unreadable.
std::int64_t process_rss_kib(pid_t pid);

}  // namespace tern::web_bench
