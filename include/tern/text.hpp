#pragma once
// tern::text: owned characters, where the light public headers
// (<tern/client.hpp>, <tern/web/mqtt.hpp>) cannot return or hold a
// std::string (<string> is some 28,000 lines). Like std::string it keeps up
// to 15 characters without allocating.

#include <cstddef>

#include "tern/string_ref.hpp"

namespace tern {

/// Owned characters (`client::last_error_detail()`, a received message's
/// topic in the web facade); converts to `std::string`, `std::string_view`
/// and `string_ref` implicitly, from `string_ref` (so from a C string or a
/// `std::string`) too, and is always null-terminated (`c_str()`).
///
/// **Thread safety:** a plain value type.
class text {
 public:
  /// Empty.
  text() noexcept { local_[0] = '\0'; }
  /// A copy of `s`.
  text(string_ref s) { assign(s.data(), s.size()); }  // NOLINT: implicit on purpose
  /// A copy of the C string `s` (null: empty).
  text(const char* s) : text(string_ref(s)) {}  // NOLINT: implicit on purpose
  /// A copy of a `std::string` or `std::string_view`.
  template <detail::char_string S>
  text(const S& s) : text(string_ref(s)) {}  // NOLINT: implicit on purpose
  /// A copy of `o`; moving leaves `o` empty.
  ///@{
  text(const text& o) { assign(o.data(), o.size_); }
  text(text&& o) noexcept { take(o); }
  text& operator=(const text& o) {
    if (this != &o) {
      text copy(o);
      release();
      take(copy);
    }
    return *this;
  }
  text& operator=(text&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ///@}
  ~text() { release(); }

  /// As a `std::string` (a copy).
  template <detail::owning_string_like S>
  operator S() const {  // NOLINT: implicit on purpose
    return S(data_, size_);
  }
  /// As a `std::string_view`, valid while this is.
  template <detail::string_view_like S>
  operator S() const noexcept {  // NOLINT: implicit on purpose
    return S(data_, size_);
  }
  /// As a `string_ref`, valid while this is.
  operator string_ref() const noexcept { return string_ref(data_, size_); }  // NOLINT: implicit on purpose

  /// The characters, followed by '\0'.
  ///@{
  const char* data() const noexcept { return data_; }
  const char* c_str() const noexcept { return data_; }
  ///@}
  /// The number of characters (without the '\0').
  std::size_t size() const noexcept { return size_; }
  /// Whether there are none.
  bool empty() const noexcept { return size_ == 0; }
  /// Iteration over the characters.
  ///@{
  const char* begin() const noexcept { return data_; }
  const char* end() const noexcept { return data_ + size_; }
  ///@}

  /// The same characters.
  ///@{
  friend bool operator==(const text& a, const text& b) noexcept { return string_ref(a) == string_ref(b); }
  friend bool operator==(const text& a, string_ref b) noexcept { return string_ref(a) == b; }
  friend bool operator==(const text& a, const char* b) noexcept { return string_ref(a) == string_ref(b); }
  template <detail::char_string S>
  friend bool operator==(const text& a, const S& b) noexcept {
    return string_ref(a) == string_ref(b);
  }
  ///@}
  /// Writes the characters to `os` (a `std::ostream`).
  template <detail::char_output_stream OS>
  friend OS& operator<<(OS& os, const text& t) {
    os.write(t.data_, static_cast<long>(t.size_));
    return os;
  }

 private:
  static constexpr std::size_t local_capacity = 15;

  bool is_local() const noexcept { return data_ == local_; }
  void assign(const char* s, std::size_t n) {
    data_ = n <= local_capacity ? local_ : new char[n + 1];
    for (std::size_t i = 0; i < n; ++i) data_[i] = s[i];
    data_[n] = '\0';
    size_ = n;
  }
  // Takes o's characters (o must not hold any of this one's), leaving o empty.
  void take(text& o) noexcept {
    size_ = o.size_;
    if (o.is_local()) {
      data_ = local_;
      for (std::size_t i = 0; i <= size_; ++i) local_[i] = o.local_[i];
    } else {
      data_ = o.data_;
    }
    o.data_ = o.local_;
    o.size_ = 0;
    o.local_[0] = '\0';
  }
  void release() noexcept {
    if (!is_local()) delete[] data_;
    data_ = local_;
    size_ = 0;
    local_[0] = '\0';
  }

  char* data_ = local_;
  std::size_t size_ = 0;
  char local_[local_capacity + 1];
};

}  // namespace tern
