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

#include "tern/payload_ref.hpp"

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

/// The payload `p` refers to, as an owned buffer: the `std::vector<std::byte>`
/// it was given as an rvalue, moved, or else a copy of its bytes.
namespace detail {
struct payload_access {
  static byte_buffer take(const payload_ref& p) {
    byte_buffer out;
    if (p.mover_ == &move_bytes<std::vector<std::byte>>) {
      p.mover_(p.movable_, static_cast<std::vector<std::byte>*>(&out));
      return out;
    }
    if (p.mover_ == &move_bytes<byte_buffer>) {
      p.mover_(p.movable_, &out);
      return out;
    }
    return byte_buffer(std::span<const std::byte>(p.data(), p.size()));
  }
};
}  // namespace detail

inline byte_buffer take_payload(const payload_ref& p) { return detail::payload_access::take(p); }

}  // namespace tern
