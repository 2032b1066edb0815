#pragma once
// tern::array_view<T>: a pointer and a size, as std::span<T>, for the light
// public headers (<tern/client.hpp>): <span> brings some 16,000 lines. It
// converts to std::span (and from it, and from any contiguous container),
// and to a container built from an iterator pair (std::vector) by copying.

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <type_traits>

namespace tern {
namespace detail {

// A contiguous container of elements convertible to T: std::vector,
// std::span, std::array, ...
template <class C, class T>
concept contiguous_of = requires(C& c) {
  { c.data() } -> std::convertible_to<T*>;
  { c.size() } -> std::convertible_to<std::size_t>;
};

// A container to copy the elements into: one with value_type and a
// constructor from an iterator pair, and no `extent` (a std::span views
// instead, through its own constructor).
template <class C, class T>
concept container_from_range =
    !requires { C::extent; } && requires(const T* p) {
      typename C::value_type;
      C(p, p);
    };

}  // namespace detail

/// A view of `size()` elements of type `T` at `data()`. Must not outlive
/// what it views.
///
/// **Thread safety:** a plain value type.
template <class T>
class array_view {
 public:
  /// Empty.
  constexpr array_view() noexcept = default;
  /// `size` elements at `data`.
  constexpr array_view(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  /// A braced list, valid during the full expression (as a parameter).
  constexpr array_view(std::initializer_list<std::remove_const_t<T>> list) noexcept
    requires std::is_const_v<T>
  {
    data_ = list.begin();  // the list lives until the end of the call's full expression
    size_ = list.size();
  }
  /// A contiguous container (`std::vector`, `std::span`, `std::array`).
  template <class C>
    requires(!std::is_same_v<std::remove_cvref_t<C>, array_view> && detail::contiguous_of<C, T>)
  constexpr array_view(C&& c) noexcept : data_(c.data()), size_(c.size()) {}  // NOLINT: implicit on purpose

  /// A copy of the elements in a container (a `std::vector`).
  template <detail::container_from_range<T> C>
  operator C() const {  // NOLINT: implicit on purpose
    return C(data_, data_ + size_);
  }

  /// The elements.
  constexpr T* data() const noexcept { return data_; }
  /// How many there are.
  constexpr std::size_t size() const noexcept { return size_; }
  /// Whether there are none.
  constexpr bool empty() const noexcept { return size_ == 0; }
  /// The element at `i` (< size()).
  constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Iteration over the elements.
  ///@{
  constexpr T* begin() const noexcept { return data_; }
  constexpr T* end() const noexcept { return data_ + size_; }
  ///@}

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tern
