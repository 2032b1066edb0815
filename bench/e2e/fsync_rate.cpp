// How many fsyncs a second the disk under DIR takes (64-byte appends, each
// followed by fdatasync, for SECS seconds): the ceiling of a message store
// that syncs every update. Prints "fsyncs_per_s=N".
//
//   fsync-rate DIR [SECS]

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync-rate DIR [SECS]\n");
    return 2;
  }
  double secs = argc > 2 ? std::atof(argv[2]) : 2.0;
  std::string path = std::string(argv[1]) + "/fsync-rate.tmp";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  char record[64] = {};
  long n = 0;
  auto start = std::chrono::steady_clock::now();
  std::chrono::duration<double> elapsed{};
  while (elapsed.count() < secs) {
    if (::write(fd, record, sizeof record) != static_cast<ssize_t>(sizeof record) || ::fdatasync(fd) != 0) {
      std::perror("write/fdatasync");
      return 1;
    }
    ++n;
    elapsed = std::chrono::steady_clock::now() - start;
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::printf("fsyncs_per_s=%.0f\n", static_cast<double>(n) / elapsed.count());
  return 0;
}
