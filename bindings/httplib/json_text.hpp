#pragma once
// Small text helpers of the binding: JSON output, UTF-8 checking and base64.
// Requests are parsed with the facade's own strict JSON reader
// (tern::web::parse_json_config), so there is no JSON dependency.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::httplib_binding::detail {

/// `s` as a JSON string literal, quotes included. `s` must be UTF-8; control
/// characters are escaped, and so are U+2028/U+2029 (they end a line in old
/// JavaScript parsers).
std::string json_quote(std::string_view s);

/// Builds one flat JSON object, field by field.
class json_object {
 public:
  json_object& add(std::string_view key, std::string_view text);
  json_object& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  json_object& add(std::string_view key, std::int64_t n);
  json_object& add(std::string_view key, std::uint64_t n);
  json_object& add(std::string_view key, int n) { return add(key, static_cast<std::int64_t>(n)); }
  json_object& add(std::string_view key, bool b);
  /// `json` must already be valid JSON (an array, a nested object).
  json_object& add_raw(std::string_view key, std::string_view json);
  std::string str() const { return s_ + "}"; }

 private:
  void key(std::string_view k);
  std::string s_ = "{";
};

/// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, at
/// most U+10FFFF). U+0000 is allowed: JSON escapes it.
bool is_utf8(std::string_view s) noexcept;

/// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; padding optional, no whitespace. Nothing on bad input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tern::httplib_binding::detail
