#include "session/packet_id_pool.hpp"

#include <bit>

namespace tern::detail {

std::uint16_t packet_id_pool::acquire() noexcept {
  if (exhausted()) return 0;
  // Scan whole words from next_ on, wrapping once; bit 0 of word 0 (id 0) is never free.
  std::size_t word = next_ >> 6;
  std::uint64_t free = ~ids_.word(word) & (~std::uint64_t{0} << (next_ & 63));
  for (std::size_t step = 0; step <= id_set::words; ++step) {
    if (word == 0) free &= ~std::uint64_t{1};
    if (free) {
      auto id = static_cast<std::uint16_t>(word * 64 + static_cast<std::size_t>(std::countr_zero(free)));
      ids_.insert(id);
      next_ = static_cast<std::uint16_t>(id + 1);  // wraps to 0, skipped above
      return id;
    }
    word = (word + 1) % id_set::words;
    free = ~ids_.word(word);
  }
  return 0;
}

void packet_id_pool::release(std::uint16_t id) noexcept {
  if (id != 0) ids_.erase(id);
}

bool packet_id_pool::reserve(std::uint16_t id) noexcept { return id != 0 && ids_.insert(id); }

}  // namespace tern::detail
