#pragma once
// Client id templates: `{pid}`, `{hostname}` and `{random}` in MQTT_CLIENT_ID,
// so that several worker processes never share an id by accident.

#include <string>
#include <string_view>

namespace tern::web::detail {

/// Values substituted for the placeholders (real ones from `template_values_now()`).
struct template_values {
  std::string pid;
  std::string hostname;
  std::string random;  ///< 8 characters of [0-9a-z]
};

/// This process's pid, host name, and 8 fresh random characters.
template_values template_values_now();

/// `pattern` with every `{pid}`, `{hostname}` and `{random}` replaced
/// (`{random}` by the same value each time). `{{` and `}}` stand for `{` and `}`.
/// Returns false (and leaves `out` unspecified) on any other `{...}` or a
/// lone brace; `error` then says which.
bool expand_client_id(std::string_view pattern, const template_values& values, std::string& out,
                      std::string& error);

}  // namespace tern::web::detail
