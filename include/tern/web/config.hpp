#pragma once
// Configuration sources for tern::web::mqtt: anything that maps string keys
// to values. Provided: a plain map (`config_map`), the process environment
// (`env_config`) and files (`load_config_file`: JSON or INI). The table of
// known keys (`config_keys()`) drives parsing, typo detection and the docs.
// See docs/web.md.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace tern::web {

/// A configuration value. `std::monostate` is "no value" (JSON `null`,
/// Python's `None`): the key's default applies. A string is parsed as the
/// key's type (environment variables and INI files hold only strings), so
/// `"1883"` and `1883` both work for `MQTT_BROKER_PORT`.
using config_value = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<std::string>>;

/// A configuration error: a value of the wrong type or out of range (the
/// message names the key), or a syntax error in a configuration file (the
/// message names the file and line).
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where configuration comes from: an application's config object, say.
///
/// **Thread safety:** implementations must allow concurrent const calls;
/// the ones here are immutable after construction (except `config_map::set`).
class config_source {
 public:
  virtual ~config_source() = default;
  /// The value of `key` (exact, case-sensitive), or `std::nullopt` if absent.
  virtual std::optional<config_value> get(std::string_view key) const = 0;
  /// Every key present. Used to report unknown keys under a prefix (typos).
  virtual std::vector<std::string> keys() const = 0;
};

/// A plain in-memory map: the equivalent of Flask's `app.config`.
///
/// ```cpp
/// tern::web::config_map cfg{{"MQTT_BROKER_URL", "broker.example"}, {"MQTT_BROKER_PORT", 1883}};
/// cfg.set("MQTT_KEEPALIVE", 5);
/// ```
class config_map : public config_source {
 public:
  config_map() = default;
  /// The keys and values of `init`: `config_map{{"MQTT_BROKER_URL", "b"}, {"MQTT_KEEPALIVE", 30}}`.
  config_map(std::initializer_list<std::pair<const std::string, config_value>> init) : values_(init) {}

  /// Sets `key` to `value` (replacing any value). Integers of every type are
  /// stored as `std::int64_t`, string literals as strings (never as bool).
  template <class T>
  config_map& set(std::string key, T&& value) {
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, bool>) values_[std::move(key)] = value;
    else if constexpr (std::is_integral_v<U>) values_[std::move(key)] = static_cast<std::int64_t>(value);
    else if constexpr (std::is_floating_point_v<U>) values_[std::move(key)] = static_cast<double>(value);
    else if constexpr (std::is_convertible_v<T, std::string_view>)
      values_[std::move(key)] = std::string(std::string_view(value));
    else values_[std::move(key)] = config_value(std::forward<T>(value));
    return *this;
  }
  /// Removes `key`; returns whether it was there.
  bool erase(std::string_view key);

  std::optional<config_value> get(std::string_view key) const override;
  std::vector<std::string> keys() const override;
  /// All entries, sorted by key.
  const std::map<std::string, config_value, std::less<>>& values() const noexcept { return values_; }

 private:
  std::map<std::string, config_value, std::less<>> values_;
};

/// The process environment, read once at construction (a snapshot: later
/// `setenv` calls are not seen). Every value is a string.
///
/// **Thread safety:** construct it while no other thread calls `setenv`.
class env_config : public config_source {
 public:
  env_config();
  std::optional<config_value> get(std::string_view key) const override;
  std::vector<std::string> keys() const override;

 private:
  config_map map_;
};

/// Parses a JSON object of configuration keys: `{"MQTT_BROKER_PORT": 1883, ...}`.
/// Values: strings, numbers (integers become `std::int64_t`, others
/// `double`), `true`, `false`, `null`, and arrays of strings. Strict: nested
/// objects, other arrays, duplicate keys, trailing commas, comments and
/// anything after the object are errors.
///
/// @throws config_error naming `origin` (a file name, say), the line and the problem.
config_map parse_json_config(std::string_view text, std::string_view origin = "<json>");

/// Parses an INI-style file of `KEY = value` lines. Blank lines and lines
/// starting with `#` or `;` are ignored; spaces around the key and the value
/// are trimmed; a value in double quotes keeps its spaces (`\"` and `\\`
/// escape inside). Every value is a string. Strict: `[section]` headers, a
/// line without `=`, an empty key and duplicate keys are errors.
///
/// @throws config_error naming `origin`, the line and the problem.
config_map parse_ini_config(std::string_view text, std::string_view origin = "<ini>");

/// Reads a configuration file: JSON when the name ends in `.json`, INI for
/// `.ini`, `.cfg`, `.conf` and `.env`.
///
/// @throws config_error if the file cannot be read, has another extension,
///   or does not parse.
config_map load_config_file(const std::string& path);

// ---- the table of known keys ----------------------------------------------

/// The type of a configuration key's value.
enum class config_type : std::uint8_t {
  string,       ///< any text
  integer,      ///< a whole number within the key's range
  boolean,      ///< true/false; as text: true/false, 1/0, yes/no, on/off (any case)
  seconds,      ///< a duration in seconds, whole or decimal (0.25)
  payload,      ///< text, or a number that becomes its decimal text
  string_list,  ///< a list; as text: comma-separated
  choice,       ///< one of the words listed in the key's doc
};

/// The name of a `config_type` as the docs spell it ("string", "integer", ...).
std::string_view to_string(config_type t) noexcept;

/// One known configuration key. The full key is the prefix, `_`, then `suffix`
/// (`MQTT` + `_` + `BROKER_URL`).
struct config_key {
  std::string_view suffix;         ///< "BROKER_URL"
  config_type type;                ///< what values it takes
  std::string_view default_value;  ///< as the docs show it; in parentheses when it means "not set"
  std::string_view doc;            ///< one sentence
};

/// Every key `tern::web::mqtt` reads, in the order of the docs table.
std::span<const config_key> config_keys() noexcept;

/// The docs table (Markdown) of every key with `prefix`: docs/web.md holds
/// its output for `MQTT`, and a test checks that they agree.
std::string config_keys_markdown(std::string_view prefix = "MQTT");

}  // namespace tern::web
