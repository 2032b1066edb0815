#include "session/packet_id_pool.hpp"

#include <bit>

namespace tern::detail {

std::uint16_t packet_id_pool::acquire() noexcept {
  if (exhausted()) return 0;
  // Scan whole words from next_ on, wrapping once; bit 0 of word 0 (id 0) is never free.
  std::size_t word = next_ >> 6;
  std::uint64_t free = ~bits_[word] & (~std::uint64_t{0} << (next_ & 63));
  for (std::size_t step = 0; step <= bits_.size(); ++step) {
    if (word == 0) free &= ~std::uint64_t{1};
    if (free) {
      auto id = static_cast<std::uint16_t>(word * 64 + static_cast<std::size_t>(std::countr_zero(free)));
      bits_[word] |= std::uint64_t{1} << (id & 63);
      ++used_;
      next_ = static_cast<std::uint16_t>(id + 1);  // wraps to 0, skipped above
      return id;
    }
    word = (word + 1) % bits_.size();
    free = ~bits_[word];
  }
  return 0;
}

void packet_id_pool::release(std::uint16_t id) noexcept {
  auto mask = std::uint64_t{1} << (id & 63);
  if (id == 0 || !(bits_[id >> 6] & mask)) return;
  bits_[id >> 6] &= ~mask;
  --used_;
}

bool packet_id_pool::reserve(std::uint16_t id) noexcept {
  if (id == 0 || in_use(id)) return false;
  bits_[id >> 6] |= std::uint64_t{1} << (id & 63);
  ++used_;
  return true;
}

}  // namespace tern::detail
