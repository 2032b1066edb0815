#pragma once
// tern::result<T>: a value or a std::error_code (C++20 has no std::expected).

#include <cassert>
#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>

namespace tern {
namespace detail {

// Storage of result<T>. A union rather than std::variant: the decoder returns
// results on its hot path, and for the trivially copyable views it holds the
// whole thing stays trivially copyable, with no index dispatch. The trivial
// and non-trivial cases are two specialisations because clang before 16 does
// not support constrained special members (P0848).
template <class T, bool = std::is_trivially_copyable_v<T>>
struct result_storage {
  explicit result_storage(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(v)), ok_(true) {}
  explicit result_storage(std::error_code ec) noexcept : error_(ec), ok_(false) {}
  union {
    T value_;
    std::error_code error_;
  };
  bool ok_;
};

template <class T>
struct result_storage<T, false> {
  explicit result_storage(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(v)), ok_(true) {}
  explicit result_storage(std::error_code ec) noexcept : error_(ec), ok_(false) {}
  result_storage(const result_storage& o) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, o.value_);
    else std::construct_at(&error_, o.error_);
  }
  result_storage(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, std::move(o.value_));
    else std::construct_at(&error_, o.error_);
  }
  result_storage& operator=(const result_storage&) = delete;
  result_storage& operator=(result_storage&&) = delete;
  ~result_storage() {
    if (ok_) value_.~T();
  }
  union {
    T value_;
    std::error_code error_;
  };
  bool ok_;
};

}  // namespace detail

/// Holds either a `T` or the `std::error_code` that explains why there is none.
/// Converts from both, so a function returning `result<T>` can `return value;`
/// or `return errc::something;` (through `make_error_code`).
///
/// **Thread safety:** a plain value type.
template <class T>
class result {
 public:
  /// Holds `value`.
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : s_(std::move(value)) {}
  /// Holds the error `ec`, which must not be success.
  result(std::error_code ec) noexcept : s_(ec) { assert(ec); }  // NOLINT: implicit on purpose
  /// Holds the error `make_error_code(e)` (`return errc::queue_full;`).
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  result(E e) noexcept : result(std::error_code(make_error_code(e))) {}  // NOLINT: implicit on purpose

  /// Whether a value is held (and no error).
  ///@{
  bool has_value() const noexcept { return s_.ok_; }
  explicit operator bool() const noexcept { return has_value(); }
  ///@}

  /// The value; only when `has_value()` (asserted in debug builds).
  ///@{
  T& value() & noexcept { assert(has_value()); return s_.value_; }
  const T& value() const& noexcept { assert(has_value()); return s_.value_; }
  T&& value() && noexcept { assert(has_value()); return std::move(s_.value_); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }
  ///@}

  /// The error, or a default (success) `std::error_code` when a value is held.
  /// (No default std::error_code is built on the success path: constructing
  /// one calls std::system_category() through the PLT.)
  std::error_code error() const noexcept { return s_.ok_ ? std::error_code{} : s_.error_; }

 private:
  detail::result_storage<T> s_;
};

}  // namespace tern
