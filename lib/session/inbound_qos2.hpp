#pragma once
// Incoming QoS 2 bookkeeping, the spec's "Method B" (Figure 4.3): the packet
// id is stored when the PUBLISH is delivered and forgotten on PUBREL, so a
// re-sent PUBLISH with that id in between is acknowledged but not delivered
// again [MQTT-4.3.3-2]. Inbound ids are independent of ours [MQTT-2.3.1-4].

#include <array>
#include <cstddef>
#include <cstdint>

namespace tern::detail {

class inbound_qos2 {
 public:
  /// Records `id`; false when it was already recorded (a duplicate PUBLISH).
  bool insert(std::uint16_t id) noexcept;
  /// Forgets `id`; false when it was not recorded.
  bool erase(std::uint16_t id) noexcept;
  bool contains(std::uint16_t id) const noexcept { return (bits_[id >> 6] >> (id & 63)) & 1u; }
  std::size_t size() const noexcept { return size_; }
  void clear() noexcept;

 private:
  std::array<std::uint64_t, 1024> bits_{};
  std::size_t size_ = 0;
};

}  // namespace tern::detail
