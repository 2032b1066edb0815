#pragma once
// What the load process itself costs (memory, CPU, threads), and the
// file-descriptor limit it needs: one descriptor per connection.

#include <cstddef>
#include <string>

namespace tern::load {

/// VmRSS of this process, in KiB.
long rss_kib();
/// User + system CPU time of this process, in seconds.
double cpu_seconds();
/// Threads of this process.
int thread_count();

/// Raises the soft RLIMIT_NOFILE to at least `wanted` (up to the hard limit).
/// Returns what to tell the user: empty when the limit is high enough,
/// else the limit reached and why it falls short.
std::string raise_fd_limit(std::size_t wanted);

}  // namespace tern::load
