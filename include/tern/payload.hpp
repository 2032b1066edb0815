#pragma once
// Payloads as the API takes them: text or bytes, whichever the caller has.

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern {

/// Owned bytes (a `std::vector<std::byte>`) that can also be made from text,
/// so that `will.payload = "offline"` and `message{"t", "hello"}` work. Text
/// is taken as its bytes, with no terminating NUL and no re-encoding.
class byte_buffer : public std::vector<std::byte> {
 public:
  using std::vector<std::byte>::vector;
  byte_buffer() noexcept = default;
  /// Bytes (moved in, or copied) or text (its bytes, copied). Implicit, so
  /// that text and bytes read alike where a buffer is wanted; a null
  /// `const char*` is empty.
  ///@{
  byte_buffer(std::vector<std::byte>&& bytes) noexcept  // NOLINT: implicit on purpose
      : std::vector<std::byte>(std::move(bytes)) {}
  byte_buffer(const std::vector<std::byte>& bytes)  // NOLINT
      : std::vector<std::byte>(bytes) {}
  byte_buffer(std::span<const std::byte> bytes)  // NOLINT
      : std::vector<std::byte>(bytes.begin(), bytes.end()) {}
  byte_buffer(std::string_view text)  // NOLINT
      : std::vector<std::byte>(reinterpret_cast<const std::byte*>(text.data()),
                               reinterpret_cast<const std::byte*>(text.data()) + text.size()) {}
  byte_buffer(const std::string& text) : byte_buffer(std::string_view(text)) {}  // NOLINT
  byte_buffer(const char* text) : byte_buffer(std::string_view(text ? text : "")) {}  // NOLINT
  ///@}
};

/// What `tern::client::publish` accepts as a payload: text (`std::string`,
/// `std::string_view`, a string literal) or bytes (`std::vector<std::byte>`,
/// `std::span<const std::byte>`, `{std::byte{1}, ...}`). It only refers to
/// the caller's bytes, so that `publish` can check the size before it copies
/// them; a `std::vector<std::byte>` passed as an rvalue is moved in instead
/// of copied. Meant as a parameter type: it must not outlive the call's
/// argument.
class payload_ref {
 public:
  payload_ref() noexcept = default;
  /// Refers to text (its bytes) or bytes, copying nothing; an rvalue
  /// `std::vector<std::byte>` is marked to be moved by `take()`. A null
  /// `const char*` is empty.
  ///@{
  payload_ref(std::string_view text) noexcept  // NOLINT: implicit on purpose
      : view_(reinterpret_cast<const std::byte*>(text.data()), text.size()) {}
  payload_ref(const std::string& text) noexcept : payload_ref(std::string_view(text)) {}  // NOLINT
  payload_ref(const char* text) noexcept : payload_ref(std::string_view(text ? text : "")) {}  // NOLINT
  payload_ref(std::span<const std::byte> bytes) noexcept : view_(bytes) {}  // NOLINT
  payload_ref(std::span<std::byte> bytes) noexcept : view_(bytes) {}  // NOLINT
  payload_ref(const std::vector<std::byte>& bytes) noexcept : view_(bytes) {}  // NOLINT
  payload_ref(std::vector<std::byte>&& bytes) noexcept : view_(bytes), movable_(&bytes) {}  // NOLINT
  payload_ref(std::initializer_list<std::byte> bytes) noexcept : view_(bytes.begin(), bytes.size()) {}
  ///@}

  /// The payload's size in bytes.
  std::size_t size() const noexcept { return view_.size(); }
  /// The bytes referred to; valid while the argument is.
  std::span<const std::byte> view() const noexcept { return view_; }
  /// The bytes as an owned buffer: the vector moved in, or a copy.
  byte_buffer take() const {
    if (movable_) return byte_buffer(std::move(*movable_));
    return byte_buffer(view_);
  }

 private:
  std::span<const std::byte> view_;
  std::vector<std::byte>* movable_ = nullptr;
};

}  // namespace tern
