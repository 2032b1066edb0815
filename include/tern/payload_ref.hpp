#pragma once
// tern::payload_ref: a payload as `client::publish` takes it (text or
// bytes, whichever the caller has), in a header light enough for
// <tern/client.hpp>.

#include <cstddef>
#include <initializer_list>
#include <type_traits>

#include "tern/array_view.hpp"
#include "tern/string_ref.hpp"

namespace tern {

namespace detail {

struct payload_access;  // <tern/payload.hpp>

// Moves the container at `from` into the one at `to`, both a C. Only ever
// called with C = std::vector<std::byte> or tern::byte_buffer: take_payload
// compares the address.
template <class C>
void move_bytes(void* from, void* to) {
  *static_cast<C*>(to) = static_cast<C&&>(*static_cast<C*>(from));
}

}  // namespace detail

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
  /// `std::vector<std::byte>` is marked to be moved. A null `const char*`
  /// is empty.
  ///@{
  payload_ref(string_ref text) noexcept  // NOLINT: implicit on purpose
      : data_(reinterpret_cast<const std::byte*>(text.data())), size_(text.size()) {}
  payload_ref(const char* text) noexcept : payload_ref(string_ref(text)) {}  // NOLINT
  template <detail::char_string S>
  payload_ref(const S& text) noexcept : payload_ref(string_ref(text)) {}  // NOLINT
  template <class C>
    requires(!std::is_same_v<std::remove_cvref_t<C>, payload_ref> && !detail::char_string<std::remove_cvref_t<C>> &&
             detail::contiguous_of<C, const std::byte>)
  payload_ref(C&& bytes) noexcept : data_(bytes.data()), size_(bytes.size()) {  // NOLINT
    if constexpr (!std::is_lvalue_reference_v<C> && !std::is_const_v<C>) {
      movable_ = static_cast<void*>(&bytes);
      mover_ = &detail::move_bytes<C>;
    }
  }
  payload_ref(std::initializer_list<std::byte> bytes) noexcept {
    data_ = bytes.begin();  // the list lives until the end of the call's full expression
    size_ = bytes.size();
  }
  ///@}

  /// The payload's size in bytes.
  std::size_t size() const noexcept { return size_; }
  /// The bytes referred to.
  const std::byte* data() const noexcept { return data_; }
  /// The bytes referred to; valid while the argument is.
  array_view<const std::byte> view() const noexcept { return {data_, size_}; }

 private:
  friend struct detail::payload_access;

  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  void* movable_ = nullptr;
  void (*mover_)(void*, void*) = nullptr;
};

}  // namespace tern
