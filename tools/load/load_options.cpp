#include "load_options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tern::load {
namespace {

void usage(std::string_view program) {
  std::fprintf(stderr,
               "usage: %.*s conn|pub|sub [options]\n"
               "  -h HOST  -p PORT        the broker (127.0.0.1:1883)\n"
               "  -c N                    clients (100)\n"
               "  -n I                    the first client's index, %%i (0)\n"
               "  -T N                    threads running the clients (1)\n"
               "  -R N                    connections started per second, 0: all at once (1000)\n"
               "  --jitter F              move each start by up to F of the interval, 0-1 (0)\n"
               "  --id TEMPLATE           client ids, %%i the index (load-%%i)\n"
               "  -t TEMPLATE             topic to publish or subscribe to (load/%%i)\n"
               "  -u TEMPLATE -P TEMPLATE user name and password\n"
               "  -q 0|1|2                QoS (0)\n"
               "  -s BYTES                payload size, at least 8 (64)\n"
               "  -r N                    messages per second per client, pub (1)\n"
               "  -L N                    messages per client, pub; 0: for -d seconds (0)\n"
               "  -d SECONDS              traffic, or holding the connections (10)\n"
               "  --shared GROUP          subscribe to $share/GROUP/TOPIC\n"
               "  -k SECONDS              keep-alive (300)\n"
               "  --progress SECONDS      between progress lines on stderr, 0: none (1)\n"
               "  --connect-timeout S     how long to wait for every CONNACK (60)\n",
               static_cast<int>(program.size()), program.data());
}

template <class T>
bool number(std::string_view text, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    std::string s(text);
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') return false;
    out = static_cast<T>(v);
    return true;
  } else {
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && p == text.data() + text.size();
  }
}

}  // namespace

std::string expand(std::string_view pattern, std::size_t index) {
  std::string out;
  out.reserve(pattern.size() + 8);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'i') {
      out += std::to_string(index);
      ++i;
    } else if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == '%') {
      out += '%';
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string subscription_filter(const load_options& o, const std::string& topic) {
  return o.shared_group.empty() ? topic : "$share/" + o.shared_group + "/" + topic;
}

std::optional<load_options> parse_load_options(int argc, char** argv, std::string_view program) {
  auto fail = [&](std::string_view why) -> std::optional<load_options> {
    std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(program.size()), program.data(),
                 static_cast<int>(why.size()), why.data());
    usage(program);
    return std::nullopt;
  };
  if (argc < 2) return fail("no mode");
  load_options o;
  std::string_view mode = argv[1];
  if (mode == "conn") o.mode = load_mode::conn;
  else if (mode == "pub") o.mode = load_mode::pub;
  else if (mode == "sub") o.mode = load_mode::sub;
  else if (mode == "--help") return usage(program), std::nullopt;
  else return fail("unknown mode '" + std::string(mode) + "' (conn, pub or sub)");

  for (int i = 2; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return fail("'" + std::string(flag) + "' needs a value, or is unknown");
    std::string_view v = argv[++i];
    bool ok = true;
    if (flag == "-h") o.host = v;
    else if (flag == "-p") ok = number(v, o.port) && o.port > 0 && o.port < 65536;
    else if (flag == "-c") ok = number(v, o.clients) && o.clients > 0;
    else if (flag == "-n") ok = number(v, o.first_index);
    else if (flag == "-T") ok = number(v, o.threads) && o.threads > 0;
    else if (flag == "-R") ok = number(v, o.connect_rate) && o.connect_rate >= 0;
    else if (flag == "--jitter") ok = number(v, o.jitter) && o.jitter >= 0 && o.jitter <= 1;
    else if (flag == "--id") o.client_id = v;
    else if (flag == "-t") o.topic = v;
    else if (flag == "-u") o.user = v;
    else if (flag == "-P") o.password = v;
    else if (flag == "-q") ok = number(v, o.qos) && o.qos >= 0 && o.qos <= 2;
    else if (flag == "-s") ok = number(v, o.size) && o.size >= 8;
    else if (flag == "-r") ok = number(v, o.msg_rate) && o.msg_rate > 0;
    else if (flag == "-L") ok = number(v, o.limit);
    else if (flag == "-d") ok = number(v, o.duration) && o.duration >= 0;
    else if (flag == "--shared") o.shared_group = v;
    else if (flag == "-k") ok = number(v, o.keepalive) && o.keepalive >= 0 && o.keepalive <= 65535;
    else if (flag == "--progress") ok = number(v, o.progress) && o.progress >= 0;
    else if (flag == "--connect-timeout") ok = number(v, o.connect_timeout) && o.connect_timeout > 0;
    else return fail("unknown option '" + std::string(flag) + "'");
    if (!ok) return fail("bad value '" + std::string(v) + "' for " + std::string(flag));
  }
  if (!o.password.empty() && o.user.empty()) return fail("-P needs -u");
  if (o.client_id.find("%i") == std::string::npos && o.clients > 1)
    return fail("--id must contain %i: every client needs its own id");
  return o;
}

}  // namespace tern::load
