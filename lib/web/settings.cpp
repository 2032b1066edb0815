#include "web/settings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "transport/uri.hpp"
#include "web/closest_key.hpp"
#include "web/config_reader.hpp"
#include "web/key_table.hpp"

namespace tern::web::detail {

settings read_settings(const config_source& source, std::string_view prefix, std::vector<diagnostic>& log) {
  reader r(source, prefix);

  // Unknown keys under the prefix: typos, reported with the closest known key.
  std::vector<std::string> known;
  for (const auto& k : config_keys()) known.push_back(r.name(k.suffix));
  std::set<std::string, std::less<>> known_set(known.begin(), known.end());
  const std::string under = upper(prefix) + "_";
  for (const auto& key : source.keys()) {
    if (upper(key).rfind(under, 0) != 0 || known_set.count(key)) continue;
    log.push_back({log_level::warning, "unknown configuration key " + key + " is ignored; did you mean " +
                                           detail::closest_key(key, known) + "?"});
  }

  // The defaults are the table's, read as if configured; then the source.
  settings s{};
  config_map defaults;
  for (const auto& k : key_table())
    if (!k.key.default_value.starts_with('(')) defaults.set(r.name(k.key.suffix), std::string(k.key.default_value));
  reader d(defaults, prefix);
  for (const auto& k : key_table()) k.read(d, s);
  for (const auto& k : key_table()) k.read(r, s);

  if (s.password && !s.username)
    throw config_error(r.name("PASSWORD") + ": a password needs a user name (" + r.name("USERNAME") + ")");

  if (!s.tls_enabled) {
    for (auto k : {"TLS_CA_CERTS", "TLS_CERTFILE", "TLS_KEYFILE", "TLS_CERT_REQS", "TLS_VERSION", "TLS_CIPHERS",
                   "TLS_INSECURE", "TLS_ALPN"})
      if (r.raw(k))
        log.push_back({log_level::warning, r.name(k) + " has no effect: " + r.name("TLS_ENABLED") + " is false"});
  }

  if (!s.last_will_topic) {
    for (auto k : {"LAST_WILL_MESSAGE", "LAST_WILL_QOS", "LAST_WILL_RETAIN"})
      if (r.raw(k))
        log.push_back({log_level::warning, r.name(k) + " has no effect: " + r.name("LAST_WILL_TOPIC") + " is unset"});
  }

  if (s.reconnect_delay_max < s.reconnect_delay_min)
    throw config_error(r.name("RECONNECT_DELAY_MAX") + ": must not be less than " + r.name("RECONNECT_DELAY_MIN"));
  if (s.persistence_dir.empty() && r.raw("PERSISTENCE_SYNC"))
    log.push_back({log_level::warning, r.name("PERSISTENCE_SYNC") + " has no effect: " + r.name("PERSISTENCE_DIR") +
                                           " is unset"});
  if (!s.persistence_dir.empty() && (s.client_id.find("{pid}") != std::string::npos ||
                                     s.client_id.find("{random}") != std::string::npos))
    log.push_back({log_level::warning, r.name("CLIENT_ID") + " holds {pid} or {random}: the next process has " +
                                           "another id, so it will not find this one's " + r.name("PERSISTENCE_DIR") +
                                           " store"});
  return s;
}

client_options to_client_options(const settings& s, std::string_view prefix, const template_values& values) {
  auto name = [&](std::string_view suffix) { return std::string(prefix) + "_" + std::string(suffix); };
  client_options o;
  const char* scheme = s.websockets ? (s.tls_enabled ? "wss://" : "ws://") : (s.tls_enabled ? "mqtts://" : "mqtt://");
  o.brokers.clear();
  if (!s.broker_urls.empty()) {
    for (const auto& u : s.broker_urls) o.brokers.push_back(u.find("://") == std::string::npos ? scheme + u : u);
  } else if (s.broker_url.find("://") != std::string::npos) {
    o.brokers.push_back(s.broker_url);
  } else {
    bool v6 = s.broker_url.find(':') != std::string::npos && s.broker_url.front() != '[';
    o.brokers.push_back(scheme + (v6 ? "[" + s.broker_url + "]" : s.broker_url) + ":" +
                        std::to_string(s.broker_port));
  }
  o.websocket.path = s.websocket_path;

  std::string error;
  if (!expand_client_id(s.client_id, values, o.connect.client_id, error))
    throw config_error(name("CLIENT_ID") + ": " + error);
  if (o.connect.client_id.empty() && !s.clean_session)
    throw config_error(name("CLIENT_ID") + ": empty, but " + name("CLEAN_SESSION") +
                       " is false: a persistent session needs a fixed client id");
  o.connect.user_name = s.username;
  if (s.password) o.connect.password = std::vector<std::byte>(as_bytes(*s.password).begin(), as_bytes(*s.password).end());
  o.connect.keep_alive = s.keepalive;
  o.connect.clean_session = s.clean_session;
  o.connect.version = s.version;
  o.connect.connect_timeout = s.connection_timeout;
  if (s.last_will_topic) {
    tern::will w;
    w.topic = *s.last_will_topic;
    auto b = as_bytes(s.last_will_message);
    w.payload.assign(b.begin(), b.end());
    w.qos = s.last_will_qos;
    w.retain = s.last_will_retain;
    o.connect.will = std::move(w);
  }

  o.tls.ca_file = s.tls_ca_certs;
  o.tls.cert_file = s.tls_certfile;
  o.tls.key_file = s.tls_keyfile;
  o.tls.cert_reqs = s.tls_cert_reqs;
  o.tls.min_version = s.tls_version;
  o.tls.ciphers = s.tls_ciphers;
  o.tls.insecure = s.tls_insecure;
  o.tls.alpn = s.tls_alpn;
  o.proxy.url = s.proxy_url;

  o.transport_timeout = s.connection_timeout;
  o.reconnect.min_delay = s.reconnect_delay_min;
  o.reconnect.max_delay = s.reconnect_delay_max;
  o.stop_linger = s.stop_linger;
  o.read_interval = s.read_interval;
  o.adaptive_read_interval = s.read_interval_adaptive;
  o.session.max_inflight = s.max_inflight;
  o.session.max_queued = s.max_queued;
  if (!s.persistence_dir.empty()) {
    if (o.connect.client_id.empty())
      throw config_error(name("PERSISTENCE_DIR") + ": needs a fixed " + name("CLIENT_ID") +
                         ": a store belongs to one client id");
    file_store_options fo;
    fo.sync = s.persistence_sync;
    std::string detail;
    auto store = file_store::open(s.persistence_dir, o.connect.client_id, fo, &detail);
    if (!store) throw config_error(name("PERSISTENCE_DIR") + ": " + detail);
    o.store = std::move(*store);
  }
  return o;
}

}  // namespace tern::web::detail
