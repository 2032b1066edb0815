#pragma once
// tern::string_ref: a view of characters, the string parameter of the light
// public headers (<tern/client.hpp>, <tern/web/mqtt.hpp>), which do not
// include <string> or <string_view> (some 20,000 lines each). It converts
// from and to the standard types where the calling code has them.

#include <concepts>
#include <cstddef>

namespace tern {
namespace detail {

// An output stream (std::ostream), recognised by write() so that this
// header need not include <ostream>.
template <class OS>
concept char_output_stream = requires(OS& os, const char* p, long n) { os.write(p, n); };

// A contiguous string of chars: std::string, std::string_view, ...
template <class S>
concept char_string = requires(const S& s) {
  { s.data() } -> std::convertible_to<const char*>;
  { s.size() } -> std::convertible_to<std::size_t>;
  typename S::traits_type;
};

// std::string_view (and std::string, which has no remove_prefix, is not).
template <class S>
concept string_view_like = char_string<S> && requires(S& s) { s.remove_prefix(0); };

// std::string.
template <class S>
concept owning_string_like = char_string<S> && requires(const S& s) { s.c_str(); };

constexpr std::size_t length_of(const char* s) noexcept {
  if (s == nullptr) return 0;
#if defined(__GNUC__)
  return __builtin_strlen(s);
#else
  std::size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
#endif
}

}  // namespace detail

/// A view of characters (a topic, a filter, a log line): a pointer and a
/// size, as `std::string_view`, which it converts from (and from
/// `std::string` and a C string; a null `const char*` is empty) and to. Not
/// necessarily null-terminated. Meant as a parameter type: it must not
/// outlive what it views.
///
/// **Thread safety:** a plain value type.
class string_ref {
 public:
  /// Empty.
  constexpr string_ref() noexcept = default;
  /// A C string; null is empty.
  constexpr string_ref(const char* s) noexcept : data_(s ? s : ""), size_(detail::length_of(s)) {}  // NOLINT
  /// `size` characters at `data`. Explicit, so that `{"a/b", 1}` is not
  /// taken for the first character of "a/b".
  constexpr explicit string_ref(const char* data, std::size_t size) noexcept : data_(data), size_(size) {}
  /// A `std::string`, `std::string_view`, or any contiguous string of char.
  template <detail::char_string S>
  constexpr string_ref(const S& s) noexcept : data_(s.data()), size_(s.size()) {}  // NOLINT: implicit on purpose

  /// As a `std::string_view` (or another view type with its constructor).
  template <detail::string_view_like S>
  constexpr operator S() const noexcept {  // NOLINT: implicit on purpose
    return S(data_, size_);
  }
  /// As a `std::string` (a copy), so that a callback taking
  /// `const std::string&` takes a `string_ref`.
  template <detail::owning_string_like S>
  operator S() const {  // NOLINT: implicit on purpose
    return S(data_, size_);
  }

  /// The characters; not necessarily followed by '\0'.
  constexpr const char* data() const noexcept { return data_; }
  /// The number of characters.
  constexpr std::size_t size() const noexcept { return size_; }
  /// Whether there are none.
  constexpr bool empty() const noexcept { return size_ == 0; }
  /// Iteration over the characters.
  ///@{
  constexpr const char* begin() const noexcept { return data_; }
  constexpr const char* end() const noexcept { return data_ + size_; }
  ///@}
  /// The character at `i` (< size()).
  constexpr char operator[](std::size_t i) const noexcept { return data_[i]; }

  /// The same characters.
  friend constexpr bool operator==(string_ref a, string_ref b) noexcept {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (a.data_[i] != b.data_[i]) return false;
    return true;
  }
  /// The same characters as a `std::string` or `std::string_view` (exact,
  /// so that the comparison is not ambiguous with theirs).
  template <detail::char_string S>
  friend constexpr bool operator==(string_ref a, const S& b) noexcept {
    return a == string_ref(b);
  }
  /// Writes the characters to `os` (a `std::ostream`).
  template <detail::char_output_stream OS>
  friend OS& operator<<(OS& os, string_ref s) {
    os.write(s.data_, static_cast<long>(s.size_));
    return os;
  }

 private:
  const char* data_ = "";
  std::size_t size_ = 0;
};

}  // namespace tern
