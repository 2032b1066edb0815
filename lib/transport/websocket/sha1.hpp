#pragma once
// SHA-1 (RFC 3174), only for Sec-WebSocket-Accept (RFC 6455 4.1), so that the
// WebSocket handshake builds without OpenSSL (-Dtls=disabled). Not for
// anything that needs collision resistance.

#include <array>
#include <cstddef>
#include <cstdint>

#include "tern/packet.hpp"

namespace tern::websocket {

using sha1_digest = std::array<std::byte, 20>;

/// An incremental SHA-1: `update` any number of times, then `finish` once.
///
/// **Thread safety:** distinct objects safe, shared objects unsafe.
class sha1 {
 public:
  sha1() noexcept;
  void update(bytes_view data) noexcept;
  /// The digest of everything passed to `update`. The object is spent afterwards.
  sha1_digest finish() noexcept;

 private:
  void block(const std::byte* p) noexcept;

  std::array<std::uint32_t, 5> h_;
  std::array<std::byte, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;  // bytes
};

/// SHA-1 of `data` in one call.
sha1_digest sha1_of(bytes_view data) noexcept;

}  // namespace tern::websocket
