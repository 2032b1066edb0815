#include "cli_options.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace tern::tools {
namespace {

void usage(bool pub) {
  std::fprintf(stderr,
               "Usage: %s {-t topic%s} [-h host] [-p port] [-L URL] [-q qos] [-i id] [-u user] [-P pass]\n"
               "       [-k keepalive] [-c] [-V mqttv31|mqttv311] [-d]%s\n"
               "       [--will-topic t [--will-payload p] [--will-qos q] [--will-retain]]\n"
               "       [--cafile file] [--cert file --key file] [--insecure] [--tls-alpn protocol]...\n"
               "       [--proxy http://[user[:pass]@]host[:port] | socks5h://[user[:pass]@]host[:port]]\n",
               pub ? "tern-pub" : "tern-sub", pub ? " {-m message | -f file | -s | -n}" : " ...",
               pub ? " [-r]" : " [-C count] [-v]");
}

bool to_int(std::string_view s, long lo, long hi, long& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= lo && out <= hi;
}

std::vector<std::byte> bytes_of(std::string_view s) {
  auto b = as_bytes(s);
  return {b.begin(), b.end()};
}

}  // namespace

std::optional<cli_options> parse_cli(int argc, char** argv, bool pub) {
  cli_options o;
  o.client.reconnect.enabled = false;  // as mosquitto_pub/sub: a lost connection ends the run
  o.client.connect.keep_alive = 60;
  std::optional<std::string> will_topic, will_payload;
  long will_qos = 0;
  bool will_retain = false;
  auto fail = [&](const std::string& msg) -> std::optional<cli_options> {
    std::fprintf(stderr, "Error: %s\n", msg.c_str());
    usage(pub);
    return std::nullopt;
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    auto need = [&](const char*& v) {
      v = value();
      return v != nullptr;
    };
    const char* v = nullptr;
    long n = 0;
    if (a == "--help") {
      usage(pub);
      return std::nullopt;
    } else if (a == "-h" || a == "--host") {
      if (!need(v)) return fail("-h needs a host");
      o.host = v;
    } else if (a == "-p" || a == "--port") {
      if (!need(v) || !to_int(v, 1, 65535, n)) return fail("-p needs a port from 1 to 65535");
      o.port = static_cast<int>(n);
    } else if (a == "-L" || a == "--url") {
      if (!need(v)) return fail("-L needs a URL");
      o.url = v;
    } else if (a == "-t" || a == "--topic") {
      if (!need(v)) return fail("-t needs a topic");
      o.topics.emplace_back(v);
    } else if (a == "-q" || a == "--qos") {
      if (!need(v) || !to_int(v, 0, 2, n)) return fail("-q needs 0, 1 or 2");
      o.q = static_cast<qos>(n);
    } else if (a == "-i" || a == "--id") {
      if (!need(v)) return fail("-i needs a client id");
      o.client.connect.client_id = v;
    } else if (a == "-u" || a == "--username") {
      if (!need(v)) return fail("-u needs a user name");
      o.client.connect.user_name = v;
    } else if (a == "-P" || a == "--pw") {
      if (!need(v)) return fail("-P needs a password");
      o.client.connect.password = bytes_of(v);
    } else if (a == "-k" || a == "--keepalive") {
      if (!need(v) || !to_int(v, 5, 65535, n)) return fail("-k needs a keepalive from 5 to 65535 seconds");
      o.client.connect.keep_alive = static_cast<std::uint16_t>(n);
    } else if (a == "-c" || a == "--disable-clean-session") {
      o.client.connect.clean_session = false;
    } else if (a == "-V" || a == "--protocol-version") {
      if (!need(v)) return fail("-V needs mqttv31 or mqttv311");
      std::string_view p = v;
      if (p == "mqttv31" || p == "31") o.client.connect.version = protocol_version::v3_1;
      else if (p == "mqttv311" || p == "311") o.client.connect.version = protocol_version::v3_1_1;
      else return fail("-V needs mqttv31 or mqttv311");
    } else if (a == "-d" || a == "--debug") {
      o.debug = true;
    } else if (a == "--will-topic") {
      if (!need(v)) return fail("--will-topic needs a topic");
      will_topic = v;
    } else if (a == "--will-payload") {
      if (!need(v)) return fail("--will-payload needs a payload");
      will_payload = v;
    } else if (a == "--will-qos") {
      if (!need(v) || !to_int(v, 0, 2, will_qos)) return fail("--will-qos needs 0, 1 or 2");
    } else if (a == "--will-retain") {
      will_retain = true;
    } else if (a == "--cafile") {
      if (!need(v)) return fail("--cafile needs a file");
      o.client.tls.ca_file = v;
      o.tls = true;
    } else if (a == "--capath") {
      if (!need(v)) return fail("--capath needs a directory");
      o.client.tls.ca_path = v;
      o.tls = true;
    } else if (a == "--cert") {
      if (!need(v)) return fail("--cert needs a file");
      o.client.tls.cert_file = v;
      o.tls = true;
    } else if (a == "--key") {
      if (!need(v)) return fail("--key needs a file");
      o.client.tls.key_file = v;
    } else if (a == "--insecure") {
      o.client.tls.insecure = true;
    } else if (a == "--tls-alpn") {
      if (!need(v) || !*v) return fail("--tls-alpn needs a protocol name");
      o.client.tls.alpn.emplace_back(v);  // each one given is offered, in order
    } else if (a == "--proxy") {
      if (!need(v) || !*v) return fail("--proxy needs a URL");
      o.client.proxy.url = v;
    } else if (pub && (a == "-m" || a == "--message")) {
      if (!need(v)) return fail("-m needs a message");
      o.message = v;
    } else if (pub && (a == "-f" || a == "--file")) {
      if (!need(v)) return fail("-f needs a file");
      o.file = v;
    } else if (pub && (a == "-s" || a == "--stdin-file")) {
      o.stdin_message = true;
    } else if (pub && (a == "-n" || a == "--null-message")) {
      o.null_message = true;
    } else if (pub && (a == "-r" || a == "--retain")) {
      o.retain = true;
    } else if (!pub && (a == "-C")) {
      if (!need(v) || !to_int(v, 1, 1L << 30, o.count)) return fail("-C needs a positive count");
    } else if (!pub && (a == "-v" || a == "--verbose")) {
      o.verbose = true;
    } else {
      return fail("unknown option " + std::string(a));
    }
  }

  if (o.debug) o.client.session.log_mask = 0x1F;  // every level, DEBUG included
  if (o.topics.empty()) return fail("you must give a topic (-t)");
  if (pub) {
    if (o.topics.size() > 1) return fail("only one topic (-t) can be published to");
    int sources = o.message.has_value() + o.file.has_value() + o.stdin_message + o.null_message;
    if (sources != 1) return fail("give exactly one of -m, -f, -s or -n");
  }
  // As mosquitto_pub/sub: a Will topic alone sends a zero-length Will.
  if (will_payload && !will_topic) return fail("--will-payload needs --will-topic");
  if (will_topic) {
    will w;
    w.topic = *will_topic;
    if (will_payload) w.payload = *will_payload;
    w.qos = static_cast<qos>(will_qos);
    w.retain = will_retain;
    o.client.connect.will = std::move(w);
  }
  if (o.client.connect.password && !o.client.connect.user_name) return fail("-P needs -u");
  if (!o.client.connect.clean_session && o.client.connect.client_id.empty())
    return fail("-c needs a client id (-i)");

  std::string url = o.url;
  if (url.empty()) {
    bool v6 = o.host.find(':') != std::string::npos;
    url = std::string(o.tls ? "mqtts://" : "mqtt://") + (v6 ? "[" + o.host + "]" : o.host);
    if (o.port) url += ":" + std::to_string(o.port);
  }
  o.client.brokers = {url};
  return o;
}

void attach_debug_log(client& c, const cli_options& o) {
  if (!o.debug) return;
  c.on_log([](log_level l, std::string_view text) {
    std::fprintf(stderr, "[%.*s] %.*s\n", static_cast<int>(to_string(l).size()), to_string(l).data(),
                 static_cast<int>(text.size()), text.data());
  });
}

}  // namespace tern::tools
