#pragma once
#include <string_view>

namespace tern::codec {

enum class utf8_status { ok, ill_formed, contains_null };

/// Checks [MQTT-1.5.3-1] (well-formed UTF-8: no overlong forms, no surrogates
/// U+D800-DFFF, nothing above U+10FFFF) and [MQTT-1.5.3-2] (no U+0000).
/// U+FEFF is an ordinary character and is never stripped [MQTT-1.5.3-3].
utf8_status check_utf8(std::string_view s) noexcept;

}  // namespace tern::codec
