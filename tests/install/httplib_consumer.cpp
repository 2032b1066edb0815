// A program of a tern user: built against an installed tern with nothing but
// `pkg-config --cflags --libs tern-httplib`, it serves the bridge and reads
// its status over HTTP. Exit 0 when that works.

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <tern/httplib/binding.hpp>
#include <tern/error.hpp>
#include <tern/web/config.hpp>
#include <tern/web/mqtt.hpp>

int main() {
  httplib::Server server;
  tern::web::mqtt mqtt;  // not connected: the status says so
  tern::httplib_binding::binding http(server, mqtt);
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { http.listen_after_bind(); });
  for (int n = 0; n < 500 && !server.is_running(); ++n) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  httplib::Client cli("127.0.0.1", port);
  auto r = cli.Get("/mqtt/status");
  bool ok = r && r->status == 200 && r->body.find("\"connected\":false") != std::string::npos;
  auto denied = cli.Post("/mqtt/publish", R"({"topic": "a"})", "application/json");
  ok = ok && denied && denied->status == 403;  // safe by default
  http.stop();
  serving.join();
  std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
