#pragma once
// The message a client's callbacks receive, in light types: the session
// makes it, <tern/client.hpp> hands it to handlers.

#include <cstddef>
#include <cstdint>

#include "tern/array_view.hpp"
#include "tern/core_types.hpp"
#include "tern/string_ref.hpp"

namespace tern {

/// An application message from the broker, delivered once per QoS 2 flow.
/// `topic` and `payload` borrow the session's receive buffer: they are
/// valid during the call that hands the message over only. `topic` converts
/// to `std::string_view`, `payload` to `std::span<const std::byte>`.
struct message_received {
  string_ref topic;                     ///< the topic name
  array_view<const std::byte> payload;  ///< the application message
  tern::qos qos = qos::at_most_once;    ///< the QoS it was delivered with
  bool retain = false;                  ///< a retained message sent on subscribe
  bool dup = false;                     ///< the broker may have sent it before
  std::uint16_t packet_id = 0;          ///< 0 for QoS 0
};

}  // namespace tern
