#pragma once
// Packet identifiers for outgoing PUBLISH (QoS 1/2), SUBSCRIBE and
// UNSUBSCRIBE: one shared pool [MQTT-2.3.1-2], ids 1-65535, never 0
// [MQTT-2.3.1-1], never one still in use, handed out round-robin so a freed
// id is not reused at once.

#include <cstddef>
#include <cstdint>

#include "session/id_set.hpp"

namespace tern::detail {

class packet_id_pool {
 public:
  static constexpr std::size_t capacity = 65'535;

  /// A free id, now marked in use; 0 when all 65,535 are in use.
  std::uint16_t acquire() noexcept;
  /// Frees `id` [MQTT-2.3.1-3]. Freeing a free id does nothing.
  void release(std::uint16_t id) noexcept;
  /// Marks `id` in use (restoring state); false if it already was.
  bool reserve(std::uint16_t id) noexcept;
  bool in_use(std::uint16_t id) const noexcept { return ids_.contains(id); }
  std::size_t used() const noexcept { return ids_.size(); }
  bool exhausted() const noexcept { return ids_.size() == capacity; }

 private:
  id_set ids_;
  std::uint16_t next_ = 1;
};

}  // namespace tern::detail
