#pragma once
// tern::error_code: an error as std::error_code holds one (a value and its
// category), in a header that does not include <system_error>. <system_error>
// brings <string> and <stdexcept> with it, some 28,000 lines: the light
// public headers (<tern/client.hpp>) name this instead, and it converts to
// and from std::error_code wherever the code using it has <system_error>.

#include <type_traits>

namespace tern {

class error_code;

namespace detail {

// std::error_code, recognised by its members (std::error_condition lacks
// default_error_condition; boost::system::error_code, whose category is no
// std::error_category, has failed()) so that this header need not declare it.
template <class E>
concept std_error_code_like = !std::is_same_v<std::remove_cvref_t<E>, error_code> && requires(const E& e) {
  e.default_error_condition();
  e.value();
  e.category();
} && !requires(const E& e) { e.failed(); };

// An error enum with a make_error_code found by ADL that makes a
// std::error_code (tern::errc, std::errc, asio::error::basic_errors, ...).
template <class E>
concept error_enum = std::is_enum_v<E> && requires(E e) {
  { make_error_code(e) } -> std_error_code_like;
};

// Makes an expression depend on T, so that names in it are looked up where
// a function template is used (and <system_error> is there), not here.
template <class T, class U>
constexpr const U& dependent(const U& u) noexcept {
  return u;
}

}  // namespace detail

/// An error code: a value and a pointer to its `std::error_category`, the
/// layout of `std::error_code`, converting to and from it implicitly. A
/// default-constructed one (success) converts to `std::error_code{}`.
/// `message()` and `category()` need `<tern/error.hpp>` where they are
/// called. Every success compares equal to every
/// other; errors compare as `std::error_code`s do.
///
/// **Thread safety:** a plain value type.
class error_code {
 public:
  /// Success.
  constexpr error_code() noexcept = default;
  /// `ec`'s value and category.
  template <detail::std_error_code_like E>
  error_code(const E& ec) noexcept  // NOLINT: implicit on purpose
      : value_(ec.value()), category_(ec.value() == 0 ? nullptr : &ec.category()) {}
  /// `make_error_code(e)` (`tern::errc::queue_full`, `std::errc::...`).
  template <detail::error_enum E>
  error_code(E e) noexcept : error_code(make_error_code(e)) {}  // NOLINT: implicit on purpose

  /// The same error as a `std::error_code` (or any type with its members).
  template <detail::std_error_code_like E>
  operator E() const noexcept {  // NOLINT: implicit on purpose
    if (category_ == nullptr) return E();
    using category_type = std::remove_cvref_t<decltype(std::declval<const E&>().category())>;
    return E(value_, *static_cast<const category_type*>(category_));
  }

  /// The error's value; 0 for success.
  constexpr int value() const noexcept { return value_; }
  /// Whether this is an error.
  constexpr explicit operator bool() const noexcept { return value_ != 0; }
  /// The category, as `std::error_code::category()` (the system category
  /// for success). Needs `<tern/error.hpp>` where it is called.
  template <class T = void>
  decltype(auto) category() const {
    return std_error_code(detail::dependent<T>(*this)).category();
  }
  /// The error in words, as `std::error_code::message()`. Needs
  /// `<tern/error.hpp>` where it is called.
  template <class T = void>
  auto message() const {
    return std_error_code(detail::dependent<T>(*this)).message();
  }

  /// Same value and category; successes are all equal.
  friend constexpr bool operator==(const error_code& a, const error_code& b) noexcept {
    return a.value_ == b.value_ && (a.value_ == 0 || a.category_ == b.category_);
  }
  /// As `std::error_code`'s comparison with `e` (an error code enum, or a
  /// condition enum such as `std::errc`, which compares by equivalence).
  template <detail::error_enum E>
  friend bool operator==(const error_code& a, E e) noexcept {
    using std_type = decltype(make_error_code(e));
    return static_cast<std_type>(a) == e;
  }
  /// As `std::error_code`'s comparison.
  template <detail::std_error_code_like E>
  friend bool operator==(const error_code& a, const E& b) noexcept {
    return static_cast<E>(a) == b;
  }

 private:
  int value_ = 0;
  const void* category_ = nullptr;  // a std::error_category; null for success
};

}  // namespace tern
