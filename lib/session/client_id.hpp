#pragma once
// Client identifiers generated for an empty `client_id` with clean session
// [MQTT-3.1.3-6]: 23 characters of [0-9a-zA-Z], which every broker, MQTT 3.1
// ones included, accepts [MQTT-3.1.3-5].

#include <cstdint>
#include <string>

namespace tern::detail {

inline constexpr std::size_t generated_client_id_size = 23;

/// "tern" + 19 random characters of [0-9a-zA-Z]; advances `state` (splitmix64).
std::string generate_client_id(std::uint64_t& state);

}  // namespace tern::detail
