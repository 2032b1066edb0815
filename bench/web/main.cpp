// tern-web-bench: one row of the web fan-out benchmark (docs/performance.md,
// "Web fan-out"); scripts/bench-web.sh starts the servers and runs the rows.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "row.hpp"

namespace {

constexpr const char* usage =
    "usage: tern-web-bench --mode down|up --proto P --port PORT --topic T [options]\n"
    "  down: --proto sse|ws|sio --clients N --rate MSGS_PER_S --duration S [--drain S]\n"
    "  up:   --proto http|ws|sio --clients C --duration S\n"
    "  --host H (127.0.0.1)  --broker-host H (127.0.0.1)  --broker-port P (1883)\n"
    "  --server-pid PID (whose CPU and RSS to report)  --threads N (reader threads, 1)\n"
    "  --connect-timeout S (60)  --concurrent-connects K (32)\n"
    "Prints one line of key=value fields.\n";

}  // namespace

int main(int argc, char** argv) {
  tern::web_bench::row_settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "tern-web-bench: %s needs a value\n%s", argv[i], usage);
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--mode") s.mode = v;
    else if (a == "--proto") s.proto = v;
    else if (a == "--host") s.server.host = v;
    else if (a == "--port") s.server.port = std::atoi(v.c_str());
    else if (a == "--topic") s.server.filter = v;
    else if (a == "--broker-host") s.broker_host = v;
    else if (a == "--broker-port") s.broker_port = std::atoi(v.c_str());
    else if (a == "--server-pid") s.server_pid = std::atoi(v.c_str());
    else if (a == "--clients") s.clients = std::strtoul(v.c_str(), nullptr, 10);
    else if (a == "--rate") s.rate = std::atof(v.c_str());
    else if (a == "--duration") s.duration = std::atof(v.c_str());
    else if (a == "--drain") s.drain = std::atof(v.c_str());
    else if (a == "--threads") s.threads = std::atoi(v.c_str());
    else if (a == "--connect-timeout") s.connect_timeout = std::atof(v.c_str());
    else if (a == "--concurrent-connects") s.concurrent_connects = std::strtoul(v.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "tern-web-bench: unknown argument %s\n%s", argv[i - 1], usage);
      return 2;
    }
  }
  bool down = s.mode == "down", up = s.mode == "up";
  bool proto_ok = down ? (s.proto == "sse" || s.proto == "ws" || s.proto == "sio")
                       : (s.proto == "http" || s.proto == "ws" || s.proto == "sio");
  if ((!down && !up) || !proto_ok || s.server.filter.empty() || s.clients == 0 || s.rate <= 0 || s.duration <= 0 ||
      s.threads < 1 || s.concurrent_connects < 1) {
    std::fprintf(stderr, "tern-web-bench: bad or missing arguments\n%s", usage);
    return 2;
  }
  return down ? tern::web_bench::run_down(s) : tern::web_bench::run_up(s);
}
