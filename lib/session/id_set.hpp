#pragma once
// A set of 16-bit packet identifiers. Up to `small_max` ids live in a short
// list; beyond that, in a bitmap of 65,536 bits (8 KiB), which goes again
// once the set is empty. A connection's ids in use are its in-flight
// messages and requests, a few dozen at most unless its window is large:
// with thousands of connections in one process, 8 KiB each for that would
// be most of what a connection costs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tern::detail {

class id_set {
 public:
  static constexpr std::size_t words = 1024;
  /// The most ids kept in the list before the bitmap takes over.
  static constexpr std::size_t small_max = 32;

  bool contains(std::uint16_t id) const noexcept {
    if (bits_) return (bits_[id >> 6] >> (id & 63)) & 1u;
    return std::find(small_.begin(), small_.end(), id) != small_.end();
  }
  /// Adds `id`; false when it was already in.
  bool insert(std::uint16_t id) {
    if (contains(id)) return false;
    if (!bits_ && small_.size() < small_max) {
      small_.push_back(id);
    } else {
      if (!bits_) to_bitmap();
      bits_[id >> 6] |= std::uint64_t{1} << (id & 63);
    }
    ++size_;
    return true;
  }
  /// Removes `id`; false when it was not in.
  bool erase(std::uint16_t id) noexcept {
    if (!contains(id)) return false;
    --size_;
    if (bits_) {
      bits_[id >> 6] &= ~(std::uint64_t{1} << (id & 63));
      if (size_ == 0) bits_.reset();
    } else {
      auto it = std::find(small_.begin(), small_.end(), id);
      *it = small_.back();
      small_.pop_back();
    }
    return true;
  }
  std::size_t size() const noexcept { return size_; }
  /// Empties the set and gives its memory back.
  void clear() noexcept {
    bits_.reset();
    small_ = std::vector<std::uint16_t>();
    size_ = 0;
  }
  /// The word holding ids `64 * i` to `64 * i + 63`, as bits.
  std::uint64_t word(std::size_t i) const noexcept {
    if (bits_) return bits_[i];
    std::uint64_t w = 0;
    for (auto id : small_)
      if ((id >> 6) == i) w |= std::uint64_t{1} << (id & 63);
    return w;
  }

 private:
  // `small_ = {}` would assign an empty list and keep the capacity.
  void to_bitmap() {
    bits_ = std::make_unique<std::uint64_t[]>(words);  // zeroed
    for (auto id : small_) bits_[id >> 6] |= std::uint64_t{1} << (id & 63);
    small_ = std::vector<std::uint16_t>();
  }

  std::unique_ptr<std::uint64_t[]> bits_;
  std::vector<std::uint16_t> small_;
  std::size_t size_ = 0;
};

}  // namespace tern::detail
