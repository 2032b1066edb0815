#pragma once
// tern::owned_array<T>: a fixed-size array that owns its elements, what the
// light public headers (<tern/web/mqtt.hpp>) return where they cannot
// return a std::vector (<vector> and its allocator machinery are some
// 10,000 lines). Converts to a std::vector (a copy) and to a std::span.

#include <cstddef>

#include "tern/array_view.hpp"

namespace tern {

/// `size()` elements of type `T`, owned; copyable and movable (a move
/// leaves the source empty).
///
/// **Thread safety:** a plain value type.
template <class T>
class owned_array {
 public:
  /// Empty.
  owned_array() noexcept = default;
  /// `n` default-constructed elements.
  explicit owned_array(std::size_t n) : items_(n ? new T[n] : nullptr), size_(n) {}
  /// A copy of `o`'s elements.
  owned_array(const owned_array& o) : owned_array(o.size_) {
    for (std::size_t i = 0; i < size_; ++i) items_[i] = o.items_[i];
  }
  /// `o`'s elements; `o` is left empty.
  owned_array(owned_array&& o) noexcept : items_(o.items_), size_(o.size_) {
    o.items_ = nullptr;
    o.size_ = 0;
  }
  /// A copy of `o`'s elements.
  owned_array& operator=(const owned_array& o) {
    if (this != &o) *this = owned_array(o);
    return *this;
  }
  /// `o`'s elements; `o` is left empty.
  owned_array& operator=(owned_array&& o) noexcept {
    if (this != &o) {
      delete[] items_;
      items_ = o.items_;
      size_ = o.size_;
      o.items_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }
  ~owned_array() { delete[] items_; }

  /// A copy of the elements in a container (a `std::vector`).
  template <detail::container_from_range<T> C>
  operator C() const {  // NOLINT: implicit on purpose
    return C(items_, items_ + size_);
  }
  /// A view of the elements, valid while this is.
  operator array_view<const T>() const noexcept { return {items_, size_}; }  // NOLINT: implicit on purpose

  /// The elements.
  T* data() noexcept { return items_; }
  /// The elements.
  const T* data() const noexcept { return items_; }
  /// How many there are.
  std::size_t size() const noexcept { return size_; }
  /// Whether there are none.
  bool empty() const noexcept { return size_ == 0; }
  /// The element at `i` (< size()).
  T& operator[](std::size_t i) noexcept { return items_[i]; }
  /// The element at `i` (< size()).
  const T& operator[](std::size_t i) const noexcept { return items_[i]; }
  /// The first element.
  T* begin() noexcept { return items_; }
  /// Past the last element.
  T* end() noexcept { return items_ + size_; }
  /// The first element.
  const T* begin() const noexcept { return items_; }
  /// Past the last element.
  const T* end() const noexcept { return items_ + size_; }

 private:
  T* items_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tern
