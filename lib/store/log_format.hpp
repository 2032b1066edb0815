#pragma once
// The message store's file: a header, then one record per store_update,
// appended as they come. Little-endian throughout.
//
//   header: "tern-mqs" (8 bytes), format version (u32), CRC-32C of those 12 bytes (u32)
//   record: body length (u32), CRC-32C of the body (u32), body
//   body:   kind (u8), then by kind
//           message_accepted  mid u32, qos u8, retain u8, topic length u16, topic, payload length u32, payload
//           message_sent      mid u32, packet id u16
//           pubrec_received   mid u32, packet id u16
//           message_completed mid u32, packet id u16
//           inbound_held / inbound_released  packet id u16
//           inflight_requeued / inbound_cleared  nothing
//
// Reading stops at the first record that is cut short or fails its checksum:
// a kill in the middle of an append leaves a torn last record, and whatever
// follows a damaged byte cannot be trusted. Sans-I/O: bytes in, state out.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "store/store_state.hpp"
#include "tern/session.hpp"

namespace tern::detail {

inline constexpr std::uint32_t store_format_version = 1;
inline constexpr std::size_t store_header_size = 16;

/// Appends the file header to `out`.
void encode_store_header(std::vector<std::byte>& out);
/// Appends the record of `u` to `out`.
void encode_store_record(const store_update& u, std::vector<std::byte>& out);
/// Appends the records that describe `s` (a compacted log's body).
void encode_store_state(const store_state& s, std::vector<std::byte>& out);

/// What reading a store file found.
struct store_recovery {
  store_state state;
  /// Bytes of the file that hold whole, valid records (the header included):
  /// appending continues there.
  std::size_t good_bytes = 0;
  std::size_t records = 0;
  /// Records that were whole and valid but did not fit the state (an update
  /// for a message not held): skipped.
  std::size_t skipped = 0;
  /// Bytes after `good_bytes`: a torn or damaged tail, dropped.
  std::size_t dropped_bytes = 0;
  /// Why the tail was dropped ("checksum mismatch", ...); empty if none was.
  std::string damage;
  /// `store_not_a_store` or `store_unknown_version`: nothing was read, and the
  /// file must be left alone. An empty file reads as an empty store.
  std::error_code error;
};

store_recovery recover_store(std::span<const std::byte> file);

}  // namespace tern::detail
