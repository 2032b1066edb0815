#pragma once
// tern::result<T>: a value or a std::error_code (C++20 has no std::expected).

#include <cassert>
#include <memory>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

namespace tern {

/// Holds either a `T` or the `std::error_code` that explains why there is none.
/// Converts from both, so a function returning `result<T>` can `return value;`
/// or `return errc::something;` (through `make_error_code`).
///
/// A union rather than std::variant: the decoder returns these on its hot
/// path, and for the trivially copyable views it holds this stays trivially
/// copyable, with no index dispatch on copy.
///
/// **Thread safety:** a plain value type.
template <class T>
class result {
 public:
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : value_(std::move(value)), ok_(true) {}
  result(std::error_code ec) noexcept : error_(ec), ok_(false) { assert(ec); }  // NOLINT: implicit on purpose
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  result(E e) noexcept : result(std::error_code(make_error_code(e))) {}  // NOLINT: implicit on purpose

  result(const result&)
    requires std::is_trivially_copy_constructible_v<T>
  = default;
  result(const result& o) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, o.value_);
    else std::construct_at(&error_, o.error_);
  }
  result(result&&)
    requires std::is_trivially_move_constructible_v<T>
  = default;
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, std::move(o.value_));
    else std::construct_at(&error_, o.error_);
  }
  result& operator=(const result&) = delete;
  result& operator=(result&&) = delete;
  ~result()
    requires std::is_trivially_destructible_v<T>
  = default;
  ~result() {
    if (ok_) value_.~T();
  }

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & noexcept { assert(has_value()); return value_; }
  const T& value() const& noexcept { assert(has_value()); return value_; }
  T&& value() && noexcept { assert(has_value()); return std::move(value_); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }

  /// The error, or a default (success) `std::error_code` when a value is held.
  std::error_code error() const noexcept { return ok_ ? std::error_code{} : error_; }

 private:
  // No default std::error_code on the success path: constructing one calls
  // std::system_category() through the PLT.
  union {
    T value_;
    std::error_code error_;
  };
  bool ok_;
};

}  // namespace tern
