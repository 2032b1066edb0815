#pragma once
// How many bytes the client asks for per read, and so how much receive
// buffer a connection holds. Small while traffic is light: an idle
// connection then holds a quarter of a KiB, not 16. It grows under load (a
// read that fills the buffer left bytes waiting) and shrinks back once the
// load is gone, so that a burst does not leave every connection it touched
// holding its largest buffer.

#include <chrono>
#include <cstddef>

#include "tern/session_options.hpp"

namespace tern::detail {

class read_sizer {
 public:
  static constexpr std::size_t min_size = 256;
  static constexpr std::size_t max_size = 16 * 1024;
  /// Reads in a row that fill at most a quarter of the buffer before it halves.
  static constexpr int light_reads_to_halve = 8;
  /// A read that waited this long for its bytes finds a quiet connection:
  /// back to the smallest size at once.
  static constexpr clock::duration quiet = std::chrono::seconds(1);

  std::size_t size() const noexcept { return size_; }

  /// A read brought `n` bytes into a buffer of `capacity`, `waited` after
  /// the client was ready for them. Returns true when the size went down
  /// (the caller may give the buffer's memory back).
  bool on_read(std::size_t n, std::size_t capacity, clock::duration waited) noexcept {
    if (n >= capacity) {
      light_ = 0;
      if (size_ < max_size) size_ *= 2;
      return false;
    }
    if (waited >= quiet) return shrink_to(min_size);
    if (n > size_ / 4) {
      light_ = 0;
      return false;
    }
    if (++light_ < light_reads_to_halve) return false;
    return shrink_to(size_ / 2);
  }

 private:
  bool shrink_to(std::size_t s) noexcept {
    light_ = 0;
    if (s < min_size) s = min_size;
    if (s >= size_) return false;
    size_ = s;
    return true;
  }

  std::size_t size_ = min_size;
  int light_ = 0;
};

}  // namespace tern::detail
