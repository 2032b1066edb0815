#pragma once
// A set of 16-bit packet identifiers as a bitmap of 65,536 bits. The 8 KiB
// are allocated at the first insert: a connection that never has a QoS 1/2
// exchange (an idle one, a QoS 0 subscriber) pays nothing for them, which
// matters with thousands of connections in one process.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tern::detail {

class id_set {
 public:
  static constexpr std::size_t words = 1024;

  bool contains(std::uint16_t id) const noexcept { return bits_ && ((bits_[id >> 6] >> (id & 63)) & 1u); }
  /// Adds `id`; false when it was already in.
  bool insert(std::uint16_t id) {
    if (contains(id)) return false;
    if (!bits_) bits_ = std::make_unique<std::uint64_t[]>(words);  // zeroed
    bits_[id >> 6] |= std::uint64_t{1} << (id & 63);
    ++size_;
    return true;
  }
  /// Removes `id`; false when it was not in.
  bool erase(std::uint16_t id) noexcept {
    if (!contains(id)) return false;
    bits_[id >> 6] &= ~(std::uint64_t{1} << (id & 63));
    --size_;
    return true;
  }
  std::size_t size() const noexcept { return size_; }
  /// Empties the set; the bitmap goes too.
  void clear() noexcept {
    bits_.reset();
    size_ = 0;
  }
  /// The word holding ids `64 * i` to `64 * i + 63` (0 before the first insert).
  std::uint64_t word(std::size_t i) const noexcept { return bits_ ? bits_[i] : 0; }

 private:
  std::unique_ptr<std::uint64_t[]> bits_;
  std::size_t size_ = 0;
};

}  // namespace tern::detail
