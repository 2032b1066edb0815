#pragma once
// Suggestions for mistyped configuration keys.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tern::web::detail {

/// The optimal-string-alignment distance between `a` and `b`, ignoring
/// ASCII case: insertions, deletions, substitutions and adjacent
/// transpositions each cost 1 ("ULR" is 1 from "URL").
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `key` by `edit_distance` (the first on a tie),
/// or an empty string when there are no candidates.
std::string closest_key(std::string_view key, std::span<const std::string> candidates);

}  // namespace tern::web::detail
