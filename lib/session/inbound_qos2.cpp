#include "session/inbound_qos2.hpp"

namespace tern::detail {

bool inbound_qos2::insert(std::uint16_t id) noexcept {
  if (contains(id)) return false;
  bits_[id >> 6] |= std::uint64_t{1} << (id & 63);
  ++size_;
  return true;
}

bool inbound_qos2::erase(std::uint16_t id) noexcept {
  if (!contains(id)) return false;
  bits_[id >> 6] &= ~(std::uint64_t{1} << (id & 63));
  --size_;
  return true;
}

void inbound_qos2::clear() noexcept {
  if (size_ == 0) return;
  bits_.fill(0);
  size_ = 0;
}

}  // namespace tern::detail
