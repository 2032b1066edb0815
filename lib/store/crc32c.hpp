#pragma once
// CRC-32C (Castagnoli), the checksum of every record of a message store
// file: it catches torn writes and flipped bytes, which is all a log needs.

#include <cstdint>
#include <span>

namespace tern::detail {

/// The CRC-32C of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept;

}  // namespace tern::detail
