#include "web/settings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "transport/uri.hpp"
#include "web/closest_key.hpp"

namespace tern::web::detail {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string describe(const config_value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) return "null";
        else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<X, std::int64_t>) return "the integer " + std::to_string(x);
        else if constexpr (std::is_same_v<X, double>) return "the number " + std::to_string(x);
        else if constexpr (std::is_same_v<X, std::string>) return "'" + x + "'";
        else return "a list";
      },
      v);
}

std::string number_text(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// Reads one key: each getter returns nullopt when the key is absent or null.
class reader {
 public:
  reader(const config_source& src, std::string_view prefix) : src_(src), prefix_(prefix) {}

  std::string name(std::string_view suffix) const { return std::string(prefix_) + "_" + std::string(suffix); }

  std::optional<config_value> raw(std::string_view suffix) const {
    auto v = src_.get(name(suffix));
    if (!v || std::holds_alternative<std::monostate>(*v)) return std::nullopt;
    return v;
  }

  [[noreturn]] void wrong(std::string_view suffix, std::string_view expected, const config_value& got) const {
    throw config_error(name(suffix) + ": expected " + std::string(expected) + ", got " + describe(got));
  }

  std::optional<std::string> string(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) return *s;
    wrong(suffix, "a string", *v);
  }

  std::optional<std::int64_t> integer(std::string_view suffix, std::int64_t lo, std::int64_t hi) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    auto expected = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    std::int64_t n = 0;
    if (auto* i = std::get_if<std::int64_t>(&*v)) {
      n = *i;
    } else if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = trim(*s);
      auto r = std::from_chars(t.data(), t.data() + t.size(), n);
      if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) wrong(suffix, expected, *v);
    } else {
      wrong(suffix, expected, *v);
    }
    if (n < lo || n > hi) wrong(suffix, expected, *v);
    return n;
  }

  std::optional<bool> boolean(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* b = std::get_if<bool>(&*v)) return *b;
    if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = upper(trim(*s));
      if (t == "TRUE" || t == "1" || t == "YES" || t == "ON") return true;
      if (t == "FALSE" || t == "0" || t == "NO" || t == "OFF") return false;
    }
    wrong(suffix, "a boolean (true/false, 1/0, yes/no, on/off)", *v);
  }

  std::optional<std::chrono::milliseconds> seconds(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    double d = -1;
    if (auto* i = std::get_if<std::int64_t>(&*v)) d = static_cast<double>(*i);
    else if (auto* f = std::get_if<double>(&*v)) d = *f;
    else if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = trim(*s);
      auto r = std::from_chars(t.data(), t.data() + t.size(), d);
      if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) d = -1;
    }
    if (!(d >= 0) || !std::isfinite(d) || d > 1e9) wrong(suffix, "a number of seconds (0 or more)", *v);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(d * 1000)));
  }

  std::optional<std::string> payload(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) return *s;
    if (auto* i = std::get_if<std::int64_t>(&*v)) return std::to_string(*i);
    if (auto* f = std::get_if<double>(&*v)) return number_text(*f);
    wrong(suffix, "a string or a number", *v);
  }

  std::optional<std::vector<std::string>> list(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* l = std::get_if<std::vector<std::string>>(&*v)) return *l;
    if (auto* s = std::get_if<std::string>(&*v)) {
      std::vector<std::string> out;
      std::string_view rest = *s;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = trim(rest.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
      return out;
    }
    wrong(suffix, "a list of strings (or comma-separated text)", *v);
  }

  // A word from `words` (ignoring case), or an integer from `numbers`; returns the index.
  std::optional<std::size_t> choice(std::string_view suffix, std::initializer_list<std::string_view> words,
                                    std::initializer_list<std::pair<std::int64_t, std::size_t>> numbers,
                                    std::string_view expected) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) {
      std::size_t k = 0;
      for (auto w : words) {
        if (iequals(trim(*s), w)) return k;
        ++k;
      }
    } else if (auto* i = std::get_if<std::int64_t>(&*v)) {
      for (auto [n, k] : numbers)
        if (n == *i) return k;
    }
    wrong(suffix, expected, *v);
  }

 private:
  const config_source& src_;
  std::string_view prefix_;
};

}  // namespace

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

  settings s;
  if (auto v = r.string("CLIENT_ID")) s.client_id = *v;
  if (auto v = r.string("BROKER_URL")) {
    if (trim(*v).empty()) throw config_error(r.name("BROKER_URL") + ": empty host name");
    s.broker_url = std::string(trim(*v));
  }
  if (auto v = r.integer("BROKER_PORT", 1, 65535)) s.broker_port = static_cast<std::uint16_t>(*v);
  if (auto v = r.list("BROKER_URLS")) s.broker_urls = *v;
  if (auto v = r.string("USERNAME"); v && !v->empty()) s.username = *v;
  if (auto v = r.string("PASSWORD"); v && !v->empty()) s.password = *v;
  if (s.password && !s.username)
    throw config_error(r.name("PASSWORD") + ": a password needs a user name (" + r.name("USERNAME") + ")");
  if (auto v = r.integer("KEEPALIVE", 0, 65535)) s.keepalive = static_cast<std::uint16_t>(*v);

  if (auto v = r.boolean("TLS_ENABLED")) s.tls_enabled = *v;
  if (auto v = r.string("TLS_CA_CERTS")) s.tls_ca_certs = *v;
  if (auto v = r.string("TLS_CERTFILE")) s.tls_certfile = *v;
  if (auto v = r.string("TLS_KEYFILE")) s.tls_keyfile = *v;
  using req = tls_options::requirement;
  if (auto v = r.choice("TLS_CERT_REQS",
                        {"required", "cert_required", "optional", "cert_optional", "none", "cert_none"},
                        {{2, 0}, {1, 2}, {0, 4}}, "required, optional or none"))
    s.tls_cert_reqs = *v < 2 ? req::required : *v < 4 ? req::optional : req::none;
  if (auto v = r.choice("TLS_VERSION",
                        {"tlsv1.2", "tlsv1_2", "protocol_tlsv1_2", "1.2", "tls1.2", "tlsv1.3", "tlsv1_3",
                         "protocol_tlsv1_3", "1.3", "tls1.3"},
                        {}, "tlsv1.2 or tlsv1.3 (TLS 1.0 and 1.1 are refused)"))
    s.tls_version = *v < 5 ? tls_options::version::tls1_2 : tls_options::version::tls1_3;
  if (auto v = r.string("TLS_CIPHERS")) s.tls_ciphers = *v;
  if (auto v = r.boolean("TLS_INSECURE")) s.tls_insecure = *v;
  if (auto v = r.list("TLS_ALPN")) {
    for (const auto& name : *v)
      if (name.empty() || name.size() > 255)
        throw config_error(r.name("TLS_ALPN") + ": protocol names are 1 to 255 bytes");
    s.tls_alpn = *v;
  }
  if (!s.tls_enabled) {
    for (auto k : {"TLS_CA_CERTS", "TLS_CERTFILE", "TLS_KEYFILE", "TLS_CERT_REQS", "TLS_VERSION", "TLS_CIPHERS",
                   "TLS_INSECURE", "TLS_ALPN"})
      if (r.raw(k))
        log.push_back({log_level::warning, r.name(k) + " has no effect: " + r.name("TLS_ENABLED") + " is false"});
  }

  if (auto v = r.string("PROXY_URL"); v && !v->empty()) {
    // The URL is not quoted back: it may hold a password.
    if (!transport::parse_proxy_uri(*v))
      throw config_error(r.name("PROXY_URL") + ": " + make_error_code(transport_errc::invalid_proxy_uri).message());
    s.proxy_url = *v;
  }

  if (auto v = r.string("LAST_WILL_TOPIC"); v && !v->empty()) s.last_will_topic = *v;
  if (auto v = r.payload("LAST_WILL_MESSAGE")) s.last_will_message = *v;
  if (auto v = r.integer("LAST_WILL_QOS", 0, 2)) s.last_will_qos = static_cast<qos>(*v);
  if (auto v = r.boolean("LAST_WILL_RETAIN")) s.last_will_retain = *v;
  if (!s.last_will_topic) {
    for (auto k : {"LAST_WILL_MESSAGE", "LAST_WILL_QOS", "LAST_WILL_RETAIN"})
      if (r.raw(k))
        log.push_back({log_level::warning, r.name(k) + " has no effect: " + r.name("LAST_WILL_TOPIC") + " is unset"});
  }

  if (auto v = r.choice("TRANSPORT", {"tcp", "websockets"}, {}, "tcp or websockets")) s.websockets = *v == 1;
  if (auto v = r.string("WEBSOCKET_PATH")) {
    if (v->empty() || v->front() != '/') throw config_error(r.name("WEBSOCKET_PATH") + ": must start with '/'");
    s.websocket_path = *v;
  }
  if (auto v = r.choice("PROTOCOL_VERSION", {"mqttv311", "mqttv31", "3.1.1", "3.1"}, {{4, 0}, {3, 1}},
                        "MQTTv311 or MQTTv31"))
    s.version = (*v % 2 == 0) ? protocol_version::v3_1_1 : protocol_version::v3_1;
  if (auto v = r.boolean("CLEAN_SESSION")) s.clean_session = *v;
  if (auto v = r.seconds("CONNECTION_TIMEOUT")) {
    if (v->count() == 0) throw config_error(r.name("CONNECTION_TIMEOUT") + ": must be more than 0");
    s.connection_timeout = *v;
  }
  if (auto v = r.seconds("RECONNECT_DELAY_MIN")) s.reconnect_delay_min = *v;
  if (auto v = r.seconds("RECONNECT_DELAY_MAX")) s.reconnect_delay_max = *v;
  if (auto v = r.seconds("STOP_LINGER")) s.stop_linger = *v;
  if (s.reconnect_delay_max < s.reconnect_delay_min)
    throw config_error(r.name("RECONNECT_DELAY_MAX") + ": must not be less than " + r.name("RECONNECT_DELAY_MIN"));
  if (auto v = r.integer("MAX_INFLIGHT", 1, 65535)) s.max_inflight = static_cast<std::size_t>(*v);
  if (auto v = r.integer("MAX_QUEUED", 0, std::int64_t{1} << 32)) s.max_queued = static_cast<std::size_t>(*v);
  if (auto v = r.string("SHARED_GROUP")) {
    if (v->find_first_of("/+#") != std::string::npos)
      throw config_error(r.name("SHARED_GROUP") + ": a group name holds no '/', '+' or '#'");
    s.shared_group = *v;
  }
  if (auto v = r.string("PERSISTENCE_DIR")) s.persistence_dir = *v;
  if (auto v = r.choice("PERSISTENCE_SYNC", {"every", "batch", "none"}, {}, "every, batch or none"))
    s.persistence_sync = static_cast<sync_policy>(*v);
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
