// tern-sub: subscribes and prints messages, like mosquitto_sub.
// One line per message: the raw payload bytes (with -v: "topic payload"),
// flushed at once. -C N exits 0 after N messages, sending DISCONNECT.

#include <cstdio>

#include "cli_options.hpp"
#include "tern/topic.hpp"

int main(int argc, char** argv) {
  auto o = tern::tools::parse_cli(argc, argv, false);
  if (!o) return 1;
  std::vector<std::pair<std::string, tern::qos>> filters;
  for (const auto& t : o->topics) {
    if (auto ec = tern::validate_topic_filter(t)) {
      std::fprintf(stderr, "Error: invalid subscription topic '%s': %s\n", t.c_str(), ec.message().c_str());
      return 1;
    }
    filters.emplace_back(t, o->q);
  }

  tern::client c(o->client);
  tern::tools::attach_debug_log(c, *o);
  tern::tools::exit_code result;
  long received = 0;
  bool done = false;  // touched on the client's strand only

  c.on_message([&](const tern::message_received& m) {
    if (done) return;
    if (o->verbose) {
      std::fwrite(m.topic.data(), 1, m.topic.size(), stdout);
      std::fputc(' ', stdout);
    }
    std::fwrite(m.payload.data(), 1, m.payload.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (o->count && ++received >= o->count) {
      done = true;
      c.disconnect();
    }
  });
  c.on_subscribe([&](tern::message_id, std::span<const std::uint8_t> granted) {
    bool any = false;
    for (auto g : granted) any |= g != tern::suback_failure;
    if (!any && !granted.empty()) {
      std::fprintf(stderr, "All subscription requests were denied.\n");
      done = true;
      c.disconnect();
    }
  });
  c.on_disconnect([&](std::error_code ec) {
    if (ec == tern::errc::disconnected) {
      bool denied = done && !(o->count && received >= o->count);
      return result.set(denied ? 1 : 0);
    }
    std::string detail = c.last_error_detail();
    std::fprintf(stderr, "Error: %s\n", detail.empty() ? ec.message().c_str() : detail.c_str());
    result.set(1);
  });
  c.start();
  if (auto mid = c.subscribe(filters); !mid) {
    std::fprintf(stderr, "Error: %s\n", mid.error().message().c_str());
    return 1;
  }
  c.connect();
  int code = result.wait();
  c.stop();
  return code;
}
