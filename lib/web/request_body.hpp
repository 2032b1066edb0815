#pragma once
// A request of the web bridge: its JSON body, read strictly, and the answers
// it gets. Shared by the HTTP endpoints and the WebSocket protocol, which
// carry the same fields.

#include <initializer_list>
#include <string>
#include <string_view>

#include "tern/web/bridge.hpp"
#include "tern/web/config.hpp"

namespace tern::web::detail {

/// A request the bridge refuses: the HTTP status and the text of `error`.
struct request_error {
  int status;
  std::string message;
};

/// `s` in single quotes, for error texts.
std::string in_quotes(std::string_view s);

http_response json_response(int status, std::string body);
/// `{"error": text}` with `status`.
http_response error_response(int status, std::string_view text);

/// One flat JSON object, read with the facade's strict JSON reader, and
/// typed accessors that name the field in their errors (as request_error 400).
class request_body {
 public:
  /// Parses `text`; an empty body is `{}` when `may_be_empty`.
  explicit request_body(std::string_view text, bool may_be_empty = false);
  explicit request_body(config_map fields) : map_(std::move(fields)) {}

  /// Refuses (400) a field not in `allowed`, naming it and the expected ones.
  void allow_only(std::initializer_list<std::string_view> allowed) const;
  /// The field, or nothing when it is absent or null.
  const config_value* find(std::string_view key) const;
  std::string required_string(std::string_view key) const;
  /// 0 when absent.
  int qos() const;
  /// false when absent.
  bool flag(std::string_view key) const;
  config_map& fields() noexcept { return map_; }

 private:
  config_map map_;
};

}  // namespace tern::web::detail
