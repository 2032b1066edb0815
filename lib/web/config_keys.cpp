// The table of configuration keys: one source for parsing, typo detection
// and the docs (docs/web.md holds config_keys_markdown("MQTT")).

#include <array>

#include "tern/web/config.hpp"

namespace tern::web {

namespace {
using t = config_type;
constexpr std::array keys{
    config_key{"CLIENT_ID", t::string, "(random)",
               "The client id; empty: a random one. May hold `{pid}`, `{hostname}` and `{random}`."},
    config_key{"BROKER_URL", t::string, "localhost", "The broker's host name or address."},
    config_key{"BROKER_PORT", t::integer, "1883", "The broker's port (1-65535); 8883 is usual with TLS."},
    config_key{"BROKER_URLS", t::string_list, "(none)",
               "Failover: broker URIs (`mqtt://`, `mqtts://`, `ws://`, `wss://`, or `host[:port]`) tried in turn; "
               "when set, `BROKER_URL` and `BROKER_PORT` are not used."},
    config_key{"USERNAME", t::string, "(none)", "The user name; empty or unset: no authentication."},
    config_key{"PASSWORD", t::string, "(none)", "The password; needs `USERNAME`."},
    config_key{"KEEPALIVE", t::integer, "60", "Seconds between pings when idle (0-65535, 0 disables)."},
    config_key{"TLS_ENABLED", t::boolean, "false", "Connect with TLS (`mqtts://`, or `wss://` with websockets)."},
    config_key{"TLS_CA_CERTS", t::string, "(system store)", "A PEM file of trusted CA certificates."},
    config_key{"TLS_CERTFILE", t::string, "(none)", "The client certificate (PEM)."},
    config_key{"TLS_KEYFILE", t::string, "(none)", "The client private key (PEM); unset: in `TLS_CERTFILE`."},
    config_key{"TLS_CERT_REQS", t::choice, "required",
               "Broker certificate check: `required`, `optional` or `none` (also `CERT_REQUIRED`, ..., or "
               "Python's 2, 1, 0)."},
    config_key{"TLS_VERSION", t::choice, "tlsv1.2",
               "The lowest TLS version: `tlsv1.2` or `tlsv1.3` (also `PROTOCOL_TLSv1_2`, `1.2`, ...). "
               "Older versions are refused."},
    config_key{"TLS_CIPHERS", t::string, "(OpenSSL default)", "An OpenSSL cipher list for TLS 1.2."},
    config_key{"TLS_INSECURE", t::boolean, "false",
               "Skip the host name check (the chain is still verified); logs a warning."},
    config_key{"TLS_ALPN", t::string_list, "(none)",
               "Application protocols offered in the TLS handshake (ALPN), such as `x-amzn-mqtt-ca` for AWS IoT "
               "Core on port 443; a broker that selects none of them fails the connection."},
    config_key{"PROXY_URL", t::string, "(none: direct)",
               "A proxy between the client and the broker: `http://[user[:password]@]host[:port]` (HTTP CONNECT, "
               "port 8080 by default) or `socks5h://[user[:password]@]host[:port]` (SOCKS5, port 1080 by default; "
               "the proxy resolves the broker's name). TLS and WebSocket run inside the tunnel."},
    config_key{"LAST_WILL_TOPIC", t::string, "(none)", "The Will's topic; unset: no Will."},
    config_key{"LAST_WILL_MESSAGE", t::payload, "(empty)", "The Will's payload; a number becomes its decimal text."},
    config_key{"LAST_WILL_QOS", t::integer, "0", "The Will's QoS (0-2)."},
    config_key{"LAST_WILL_RETAIN", t::boolean, "false", "Retain the Will."},
    config_key{"TRANSPORT", t::choice, "tcp", "`tcp` or `websockets`."},
    config_key{"WEBSOCKET_PATH", t::string, "/mqtt", "The HTTP path with `websockets`."},
    config_key{"PROTOCOL_VERSION", t::choice, "MQTTv311", "`MQTTv311` or `MQTTv31` (also paho's 4 and 3)."},
    config_key{"CLEAN_SESSION", t::boolean, "true",
               "Clean session; false needs a fixed `CLIENT_ID` and keeps the session across reconnects."},
    config_key{"CONNECTION_TIMEOUT", t::seconds, "30",
               "Seconds allowed for connecting (TCP, TLS, WebSocket) and again for the CONNACK."},
    config_key{"RECONNECT_DELAY_MIN", t::seconds, "1", "The first reconnect delay; it doubles after each failure."},
    config_key{"RECONNECT_DELAY_MAX", t::seconds, "120", "The longest reconnect delay."},
    config_key{"MAX_INFLIGHT", t::integer, "20", "QoS 1/2 messages unacknowledged at once (1-65535)."},
    config_key{"MAX_QUEUED", t::integer, "1000",
               "Messages queued while offline or behind the in-flight window (0: unlimited)."},
    config_key{"STOP_LINGER", t::seconds, "5",
               "At stop or shutdown, how long to wait for what was published to be delivered before "
               "disconnecting; what is not is reported (an ERR log line naming the message ids)."},
    config_key{"SHARED_GROUP", t::string, "(none)",
               "Subscribe as `$share/<group>/<filter>`, so that several workers share the messages."},
    config_key{"PERSISTENCE_DIR", t::string, "(none: memory)",
               "Keep QoS 1/2 messages and inbound QoS 2 ids in a file store in this directory, one per client id, "
               "so that they survive a restart. Needs a fixed `CLIENT_ID` (one per worker)."},
    config_key{"PERSISTENCE_SYNC", t::choice, "batch",
               "When the store reaches the disk: `every` update (fsync each), `batch` (one fsync per write batch) "
               "or `none` (survives a crash of the process, not of the machine)."},
};
}  // namespace

std::span<const config_key> config_keys() noexcept { return keys; }

std::string_view to_string(config_type type) noexcept {
  switch (type) {
    case t::string: return "string";
    case t::integer: return "integer";
    case t::boolean: return "boolean";
    case t::seconds: return "seconds";
    case t::payload: return "string or number";
    case t::string_list: return "list of strings";
    case t::choice: return "choice";
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
