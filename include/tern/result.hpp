#pragma once
// tern::result<T>: a value or an error (C++20 has no std::expected). Light:
// <tern/client.hpp> returns it.

#include <cassert>
#include <new>
#include <type_traits>

#include "tern/error_code.hpp"

namespace tern {
namespace detail {

// Storage of result<T>. A union rather than std::variant: the decoder returns
// results on its hot path, and for the trivially copyable views it holds the
// whole thing stays trivially copyable, with no index dispatch. The trivial
// and non-trivial cases are two specialisations because clang before 16 does
// not support constrained special members (P0848).
template <class T, bool = std::is_trivially_copyable_v<T>>
struct result_storage {
  explicit result_storage(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(static_cast<T&&>(v)), ok_(true) {}
  explicit result_storage(error_code ec) noexcept : error_(ec), ok_(false) {}
  union {
    T value_;
    error_code error_;
  };
  bool ok_;
};

template <class T>
struct result_storage<T, false> {
  explicit result_storage(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(static_cast<T&&>(v)), ok_(true) {}
  explicit result_storage(error_code ec) noexcept : error_(ec), ok_(false) {}
  result_storage(const result_storage& o) : ok_(o.ok_) {
    if (ok_) ::new (static_cast<void*>(&value_)) T(o.value_);
    else ::new (static_cast<void*>(&error_)) error_code(o.error_);
  }
  result_storage(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_) ::new (static_cast<void*>(&value_)) T(static_cast<T&&>(o.value_));
    else ::new (static_cast<void*>(&error_)) error_code(o.error_);
  }
  result_storage& operator=(const result_storage&) = delete;
  result_storage& operator=(result_storage&&) = delete;
  ~result_storage() {
    if (ok_) value_.~T();
  }
  union {
    T value_;
    error_code error_;
  };
  bool ok_;
};

}  // namespace detail

/// Holds either a `T` or the `error_code` that explains why there is none.
/// Converts from both, so a function returning `result<T>` can `return value;`,
/// `return ec;` (a `std::error_code`) or `return errc::something;`.
///
/// **Thread safety:** a plain value type.
template <class T>
class result {
 public:
  /// Holds `value`.
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : s_(static_cast<T&&>(value)) {}
  /// Holds the error `ec`, which must not be success.
  result(error_code ec) noexcept : s_(ec) { assert(ec); }  // NOLINT: implicit on purpose
  /// Holds the error `ec` (a `std::error_code`), which must not be success.
  template <detail::std_error_code_like E>
  result(const E& ec) noexcept : result(error_code(ec)) {}  // NOLINT: implicit on purpose
  /// Holds the error `make_error_code(e)` (`return errc::queue_full;`).
  template <detail::error_enum E>
  result(E e) noexcept : result(error_code(e)) {}  // NOLINT: implicit on purpose

  /// Whether a value is held (and no error).
  ///@{
  bool has_value() const noexcept { return s_.ok_; }
  explicit operator bool() const noexcept { return has_value(); }
  ///@}

  /// The value; only when `has_value()` (asserted in debug builds).
  ///@{
  T& value() & noexcept { assert(has_value()); return s_.value_; }
  const T& value() const& noexcept { assert(has_value()); return s_.value_; }
  T&& value() && noexcept { assert(has_value()); return static_cast<T&&>(s_.value_); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }
  ///@}

  /// The error, or success when a value is held; converts to `std::error_code`.
  error_code error() const noexcept { return s_.ok_ ? error_code{} : s_.error_; }

 private:
  detail::result_storage<T> s_;
};

}  // namespace tern
