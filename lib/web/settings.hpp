#pragma once
// Reading the MQTT_* keys of a config source into typed settings, and
// mapping those onto tern::client_options.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/client_options.hpp"
#include "tern/store.hpp"
#include "tern/web/config.hpp"
#include "web/client_id_template.hpp"

namespace tern::web::detail {

/// Every key of config_keys(), typed. Its defaults are the key table's
/// (read_settings reads them first): value-initialise it (`settings s{};`).
struct settings {
  std::string client_id;  ///< the template, not yet expanded
  std::string broker_url;
  std::uint16_t broker_port;
  std::vector<std::string> broker_urls;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::uint16_t keepalive;
  bool tls_enabled;
  std::string tls_ca_certs;
  std::string tls_certfile;
  std::string tls_keyfile;
  tls_options::requirement tls_cert_reqs;
  tls_options::version tls_version;
  std::string tls_ciphers;
  bool tls_insecure;
  std::vector<std::string> tls_alpn;
  std::string proxy_url;
  std::optional<std::string> last_will_topic;
  std::string last_will_message;
  qos last_will_qos;
  bool last_will_retain;
  bool websockets;
  std::string websocket_path;
  protocol_version version;
  bool clean_session;
  std::chrono::milliseconds connection_timeout;
  std::chrono::milliseconds reconnect_delay_min;
  std::chrono::milliseconds reconnect_delay_max;
  std::chrono::milliseconds stop_linger;
  std::chrono::microseconds read_interval;
  bool read_interval_adaptive;
  std::size_t max_inflight;
  std::size_t max_queued;
  std::string shared_group;
  std::string persistence_dir;
  sync_policy persistence_sync;
};

/// A line for the log, produced while reading the configuration.
struct diagnostic {
  log_level level;
  std::string text;
};

/// Reads the keys `<prefix>_<suffix>` of `source`. Unknown keys under
/// `<prefix>_` (compared ignoring case) are reported in `log` at `warning`
/// with the closest known key; so are keys that have no effect (TLS keys
/// without TLS_ENABLED, a Will message without a topic).
///
/// @throws config_error naming the key, for a value of the wrong type or out of range.
settings read_settings(const config_source& source, std::string_view prefix, std::vector<diagnostic>& log);

/// The client options for `s`; the client id template is expanded with `values`.
///
/// @throws config_error naming the key, for a bad client id template, a
///   missing client id with clean session off or a store, or a store that
///   cannot be opened (locked by another process, not writable, ...).
client_options to_client_options(const settings& s, std::string_view prefix, const template_values& values);

}  // namespace tern::web::detail
