#pragma once
// tern::result<T>: a value or a std::error_code (C++20 has no std::expected).

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace tern {

/// Holds either a `T` or the `std::error_code` that explains why there is none.
/// Converts from both, so a function returning `result<T>` can `return value;`
/// or `return errc::something;` (through `make_error_code`).
///
/// **Thread safety:** a plain value type.
template <class T>
class result {
 public:
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : v_(std::in_place_index<0>, std::move(value)) {}
  result(std::error_code ec) noexcept : v_(std::in_place_index<1>, ec) { assert(ec); }  // NOLINT
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  result(E e) noexcept : result(std::error_code(make_error_code(e))) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & noexcept { assert(has_value()); return *std::get_if<0>(&v_); }
  const T& value() const& noexcept { assert(has_value()); return *std::get_if<0>(&v_); }
  T&& value() && noexcept { assert(has_value()); return std::move(*std::get_if<0>(&v_)); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }

  /// The error, or a default (success) `std::error_code` when a value is held.
  std::error_code error() const noexcept {
    const auto* ec = std::get_if<1>(&v_);
    return ec ? *ec : std::error_code{};
  }

 private:
  std::variant<T, std::error_code> v_;
};

}  // namespace tern
