#pragma once
// JSON output of the web bridge: quoted strings and flat objects. Requests
// are read with the facade's strict JSON reader (parse_json_config).

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::web::detail {

/// `s` as a JSON string literal, quotes included. Control characters are
/// escaped, and so are U+2028/U+2029 (they end a line in old JavaScript
/// parsers); a byte that is not part of well-formed UTF-8 becomes `\ufffd`.
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

/// Whether `s` can go in a JSON string as it is: well-formed UTF-8 (U+0000
/// included, JSON escapes it).
bool is_json_text(std::string_view s) noexcept;

}  // namespace tern::web::detail
