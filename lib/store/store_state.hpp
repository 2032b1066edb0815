#pragma once
// What a message store holds, kept up to date by applying the session's
// store_updates: the QoS 1/2 messages in the order they were accepted, each
// with its packet id and PUBREC, and the held inbound QoS 2 ids. The memory
// store is this; the file store keeps one to compact its log and to know how
// much of the log is still alive.

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "tern/session.hpp"

namespace tern::detail {

class store_state {
 public:
  /// Applies `u`. False, changing nothing, when it does not fit: a message
  /// accepted twice, or an update for a message the state does not hold.
  bool apply(const store_update& u);
  /// Whether `apply(u)` would succeed.
  bool fits(const store_update& u) const;
  /// Everything held, messages in the order they were accepted.
  stored_state snapshot() const;
  std::size_t messages() const noexcept { return by_seq_.size(); }
  std::size_t inbound() const noexcept { return inbound_.size(); }
  /// How many records describe this state (what a compacted log holds).
  std::size_t records() const noexcept { return records_; }
  void clear() noexcept;

 private:
  std::map<std::uint64_t, stored_message> by_seq_;
  std::unordered_map<message_id, std::uint64_t> seq_of_;
  std::unordered_map<std::uint16_t, message_id> packet_ids_;  // of the messages sent
  std::unordered_set<std::uint16_t> inbound_;
  std::uint64_t next_seq_ = 0;
  std::size_t records_ = 0;
};

}  // namespace tern::detail
