// The table of configuration keys, the one source for each key's name,
// type, default, docs (docs/web.md holds config_keys_markdown("MQTT")),
// typo detection and parsing: each entry reads its key into `settings`.
// A default in parentheses ("(none)") says that no value is set; any
// other is read through the entry itself to make the default settings.

#include <array>

#include "tern/transport_error.hpp"
#include "tern/web/config.hpp"
#include "transport/uri.hpp"
#include "web/config_reader.hpp"
#include "web/key_table.hpp"

namespace tern::web {

namespace {
using t = config_type;
using detail::key_spec;
using detail::reader;
using detail::settings;
using detail::trim;
constexpr std::array table{
    key_spec{{"CLIENT_ID", t::string, "(random)",
              "The client id; empty: a random one. May hold `{pid}`, `{hostname}` and `{random}`."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("CLIENT_ID")) s.client_id = *v;
             }},
    key_spec{{"BROKER_URL", t::string, "localhost", "The broker's host name or address."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("BROKER_URL")) {
                 if (trim(*v).empty()) throw config_error(r.name("BROKER_URL") + ": empty host name");
                 s.broker_url = std::string(trim(*v));
               }
             }},
    key_spec{{"BROKER_PORT", t::integer, "1883", "The broker's port (1-65535); 8883 is usual with TLS."},
             [](const reader& r, settings& s) {
               if (auto v = r.integer("BROKER_PORT", 1, 65535)) s.broker_port = static_cast<std::uint16_t>(*v);
             }},
    key_spec{{"BROKER_URLS", t::string_list, "(none)",
              "Failover: broker URIs (`mqtt://`, `mqtts://`, `ws://`, `wss://`, or `host[:port]`) tried in turn; "
              "when set, `BROKER_URL` and `BROKER_PORT` are not used."},
             [](const reader& r, settings& s) {
               if (auto v = r.list("BROKER_URLS")) s.broker_urls = *v;
             }},
    key_spec{{"USERNAME", t::string, "(none)", "The user name; empty or unset: no authentication."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("USERNAME"); v && !v->empty()) s.username = *v;
             }},
    key_spec{{"PASSWORD", t::string, "(none)", "The password; needs `USERNAME`."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("PASSWORD"); v && !v->empty()) s.password = *v;
             }},
    key_spec{{"KEEPALIVE", t::integer, "60", "Seconds between pings when idle (0-65535, 0 disables)."},
             [](const reader& r, settings& s) {
               if (auto v = r.integer("KEEPALIVE", 0, 65535)) s.keepalive = static_cast<std::uint16_t>(*v);
             }},
    key_spec{{"TLS_ENABLED", t::boolean, "false", "Connect with TLS (`mqtts://`, or `wss://` with websockets)."},
             [](const reader& r, settings& s) {
               if (auto v = r.boolean("TLS_ENABLED")) s.tls_enabled = *v;
             }},
    key_spec{{"TLS_CA_CERTS", t::string, "(system store)", "A PEM file of trusted CA certificates."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("TLS_CA_CERTS")) s.tls_ca_certs = *v;
             }},
    key_spec{{"TLS_CERTFILE", t::string, "(none)", "The client certificate (PEM)."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("TLS_CERTFILE")) s.tls_certfile = *v;
             }},
    key_spec{{"TLS_KEYFILE", t::string, "(none)", "The client private key (PEM); unset: in `TLS_CERTFILE`."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("TLS_KEYFILE")) s.tls_keyfile = *v;
             }},
    key_spec{{"TLS_CERT_REQS", t::choice, "required",
              "Broker certificate check: `required`, `optional` or `none` (also `CERT_REQUIRED`, ..., or "
              "Python's 2, 1, 0)."},
             [](const reader& r, settings& s) {
               using req = tls_options::requirement;
               if (auto v = r.choice("TLS_CERT_REQS",
                                     {"required", "cert_required", "optional", "cert_optional", "none", "cert_none"},
                                     {{2, 0}, {1, 2}, {0, 4}}, "required, optional or none"))
                 s.tls_cert_reqs = *v < 2 ? req::required : *v < 4 ? req::optional : req::none;
             }},
    key_spec{{"TLS_VERSION", t::choice, "tlsv1.2",
              "The lowest TLS version: `tlsv1.2` or `tlsv1.3` (also `PROTOCOL_TLSv1_2`, `1.2`, ...). "
              "Older versions are refused."},
             [](const reader& r, settings& s) {
               if (auto v = r.choice("TLS_VERSION",
                                     {"tlsv1.2", "tlsv1_2", "protocol_tlsv1_2", "1.2", "tls1.2", "tlsv1.3", "tlsv1_3",
                                      "protocol_tlsv1_3", "1.3", "tls1.3"},
                                     {}, "tlsv1.2 or tlsv1.3 (TLS 1.0 and 1.1 are refused)"))
                 s.tls_version = *v < 5 ? tls_options::version::tls1_2 : tls_options::version::tls1_3;
             }},
    key_spec{{"TLS_CIPHERS", t::string, "(OpenSSL default)", "An OpenSSL cipher list for TLS 1.2."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("TLS_CIPHERS")) s.tls_ciphers = *v;
             }},
    key_spec{{"TLS_INSECURE", t::boolean, "false",
              "Skip the host name check (the chain is still verified); logs a warning."},
             [](const reader& r, settings& s) {
               if (auto v = r.boolean("TLS_INSECURE")) s.tls_insecure = *v;
             }},
    key_spec{{"TLS_ALPN", t::string_list, "(none)",
              "Application protocols offered in the TLS handshake (ALPN), such as `x-amzn-mqtt-ca` for AWS IoT "
              "Core on port 443; a broker that selects none of them fails the connection."},
             [](const reader& r, settings& s) {
               if (auto v = r.list("TLS_ALPN")) {
                 for (const auto& name : *v)
                   if (name.empty() || name.size() > 255)
                     throw config_error(r.name("TLS_ALPN") + ": protocol names are 1 to 255 bytes");
                 s.tls_alpn = *v;
               }
             }},
    key_spec{{"PROXY_URL", t::string, "(none: direct)",
              "A proxy between the client and the broker: `http://[user[:password]@]host[:port]` (HTTP CONNECT, "
              "port 8080 by default) or `socks5h://[user[:password]@]host[:port]` (SOCKS5, port 1080 by default; "
              "the proxy resolves the broker's name). TLS and WebSocket run inside the tunnel."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("PROXY_URL"); v && !v->empty()) {
                 // The URL is not quoted back: it may hold a password.
                 if (!transport::parse_proxy_uri(*v))
                   throw config_error(r.name("PROXY_URL") + ": " +
                                      make_error_code(transport_errc::invalid_proxy_uri).message());
                 s.proxy_url = *v;
               }
             }},
    key_spec{{"LAST_WILL_TOPIC", t::string, "(none)", "The Will's topic; unset: no Will."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("LAST_WILL_TOPIC"); v && !v->empty()) s.last_will_topic = *v;
             }},
    key_spec{{"LAST_WILL_MESSAGE", t::payload, "(empty)", "The Will's payload; a number becomes its decimal text."},
             [](const reader& r, settings& s) {
               if (auto v = r.payload("LAST_WILL_MESSAGE")) s.last_will_message = *v;
             }},
    key_spec{{"LAST_WILL_QOS", t::integer, "0", "The Will's QoS (0-2)."},
             [](const reader& r, settings& s) {
               if (auto v = r.integer("LAST_WILL_QOS", 0, 2)) s.last_will_qos = static_cast<qos>(*v);
             }},
    key_spec{{"LAST_WILL_RETAIN", t::boolean, "false", "Retain the Will."},
             [](const reader& r, settings& s) {
               if (auto v = r.boolean("LAST_WILL_RETAIN")) s.last_will_retain = *v;
             }},
    key_spec{{"TRANSPORT", t::choice, "tcp", "`tcp` or `websockets`."},
             [](const reader& r, settings& s) {
               if (auto v = r.choice("TRANSPORT", {"tcp", "websockets"}, {}, "tcp or websockets"))
                 s.websockets = *v == 1;
             }},
    key_spec{{"WEBSOCKET_PATH", t::string, "/mqtt", "The HTTP path with `websockets`."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("WEBSOCKET_PATH")) {
                 if (v->empty() || v->front() != '/')
                   throw config_error(r.name("WEBSOCKET_PATH") + ": must start with '/'");
                 s.websocket_path = *v;
               }
             }},
    key_spec{{"PROTOCOL_VERSION", t::choice, "MQTTv311", "`MQTTv311` or `MQTTv31` (also paho's 4 and 3)."},
             [](const reader& r, settings& s) {
               if (auto v = r.choice("PROTOCOL_VERSION", {"mqttv311", "mqttv31", "3.1.1", "3.1"}, {{4, 0}, {3, 1}},
                                     "MQTTv311 or MQTTv31"))
                 s.version = (*v % 2 == 0) ? protocol_version::v3_1_1 : protocol_version::v3_1;
             }},
    key_spec{{"CLEAN_SESSION", t::boolean, "true",
              "Clean session; false needs a fixed `CLIENT_ID` and keeps the session across reconnects."},
             [](const reader& r, settings& s) {
               if (auto v = r.boolean("CLEAN_SESSION")) s.clean_session = *v;
             }},
    key_spec{{"CONNECTION_TIMEOUT", t::seconds, "30",
              "Seconds allowed for connecting (TCP, TLS, WebSocket) and again for the CONNACK."},
             [](const reader& r, settings& s) {
               if (auto v = r.seconds("CONNECTION_TIMEOUT")) {
                 if (v->count() == 0) throw config_error(r.name("CONNECTION_TIMEOUT") + ": must be more than 0");
                 s.connection_timeout = *v;
               }
             }},
    key_spec{{"RECONNECT_DELAY_MIN", t::seconds, "1", "The first reconnect delay; it doubles after each failure."},
             [](const reader& r, settings& s) {
               if (auto v = r.seconds("RECONNECT_DELAY_MIN")) s.reconnect_delay_min = *v;
             }},
    key_spec{{"RECONNECT_DELAY_MAX", t::seconds, "120", "The longest reconnect delay."},
             [](const reader& r, settings& s) {
               if (auto v = r.seconds("RECONNECT_DELAY_MAX")) s.reconnect_delay_max = *v;
             }},
    key_spec{{"MAX_INFLIGHT", t::integer, "20", "QoS 1/2 messages unacknowledged at once (1-65535). Keep it at or below the broker's limit "
              "(mosquitto's `max_inflight_messages`, 20 by default): mosquitto drops a QoS 2 message beyond "
              "it while its PUBREC says nothing of it ([session.md](session.md))."},
             [](const reader& r, settings& s) {
               if (auto v = r.integer("MAX_INFLIGHT", 1, 65535)) s.max_inflight = static_cast<std::size_t>(*v);
             }},
    key_spec{{"MAX_QUEUED", t::integer, "1000",
              "Messages queued while offline or behind the in-flight window (0: unlimited)."},
             [](const reader& r, settings& s) {
               if (auto v = r.integer("MAX_QUEUED", 0, std::int64_t{1} << 32))
                 s.max_queued = static_cast<std::size_t>(*v);
             }},
    key_spec{{"STOP_LINGER", t::seconds, "5",
              "At stop or shutdown, how long to wait for what was published to be delivered before "
              "disconnecting; what is not is reported (an ERR log line naming the message ids)."},
             [](const reader& r, settings& s) {
               if (auto v = r.seconds("STOP_LINGER")) s.stop_linger = *v;
             }},
    key_spec{{"READ_INTERVAL", t::seconds, "0",
              "On a busy live stream, how long to wait after a read before the next, so that what arrives "
              "meanwhile is read and handed over together: fewer wake-ups, for up to this much more latency "
              "(twice it behind a broker that delays small writes, as mosquitto does by default). At most 1, "
              "e.g. 0.001; 0: read at once. `auto` (the Python packages' default): adaptive, at most 1 ms, only "
              "while messages arrive at 4,000 msgs/s or more (and below about 128,000: faster ones batch by "
              "themselves), just long enough to gather about 32."},
             [](const reader& r, settings& s) {
               auto v = r.raw("READ_INTERVAL");
               if (!v) return;
               auto* text = std::get_if<std::string>(&*v);
               s.read_interval_adaptive = text && detail::iequals(detail::trim(*text), "auto");
               if (s.read_interval_adaptive) {
                 s.read_interval = std::chrono::milliseconds(1);
                 return;
               }
               s.read_interval = *r.seconds_us(
                   "READ_INTERVAL", 1, "a number of seconds from 0 to 1 (it delays messages by up to this), or auto");
             }},
    key_spec{{"SHARED_GROUP", t::string, "(none)",
              "Subscribe as `$share/<group>/<filter>`, so that several workers share the messages."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("SHARED_GROUP")) {
                 if (v->find_first_of("/+#") != std::string::npos)
                   throw config_error(r.name("SHARED_GROUP") + ": a group name holds no '/', '+' or '#'");
                 s.shared_group = *v;
               }
             }},
    key_spec{{"PERSISTENCE_DIR", t::string, "(none: memory)",
              "Keep QoS 1/2 messages and inbound QoS 2 ids in a file store in this directory, one per client id, "
              "so that they survive a restart. Needs a fixed `CLIENT_ID` (one per worker)."},
             [](const reader& r, settings& s) {
               if (auto v = r.string("PERSISTENCE_DIR")) s.persistence_dir = *v;
             }},
    key_spec{{"PERSISTENCE_SYNC", t::choice, "batch",
              "When the store reaches the disk: `every` update (fsync each), `batch` (one fsync per write batch) "
              "or `none` (survives a crash of the process, not of the machine)."},
             [](const reader& r, settings& s) {
               if (auto v = r.choice("PERSISTENCE_SYNC", {"every", "batch", "none"}, {}, "every, batch or none"))
                 s.persistence_sync = static_cast<sync_policy>(*v);
             }},
};

// The docs' view of the table.
constexpr auto keys = [] {
  std::array<config_key, table.size()> a{};
  for (std::size_t i = 0; i < table.size(); ++i) a[i] = table[i].key;
  return a;
}();

}  // namespace

std::span<const config_key> config_keys() noexcept { return keys; }

namespace detail {
std::span<const key_spec> key_table() noexcept { return table; }
}  // namespace detail

std::string_view to_string(config_type type) noexcept {
  switch (type) {
    case t::string:
      return "string";
    case t::integer:
      return "integer";
    case t::boolean:
      return "boolean";
    case t::seconds:
      return "seconds";
    case t::payload:
      return "string or number";
    case t::string_list:
      return "list of strings";
    case t::choice:
      return "choice";
  }
  return "?";
}

std::string config_keys_markdown(std::string_view prefix) {
  std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& k : keys) {
    out += "| `";
    out += prefix;
    out += '_';
    out += k.suffix;
    out += "` | ";
    out += to_string(k.type);
    out += " | ";
    out += k.default_value;
    out += " | ";
    out += k.doc;
    out += " |\n";
  }
  return out;
}

}  // namespace tern::web
