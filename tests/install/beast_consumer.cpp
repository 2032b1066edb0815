// A program of a tern user: built against an installed tern with nothing but
// `pkg-config --cflags --libs tern-beast`, it serves the bridge with Boost.Beast
// and reads its status over HTTP. Exit 0 when that works.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <thread>

#include <tern/beast/binding.hpp>
#include <tern/error.hpp>
#include <tern/web/config.hpp>
#include <tern/web/mqtt.hpp>

namespace http = boost::beast::http;

int get(unsigned short port, http::verb verb, const char* target, std::string& body) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = verb == http::verb::post ? R"({"topic": "a"})" : "";
  req.prepare_payload();
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  body = res.body();
  return static_cast<int>(res.result_int());
}

int main() {
  boost::asio::io_context ioc;
  tern::web::mqtt mqtt;  // not connected: the status says so
  tern::beast_binding::binding web(ioc, mqtt);
  auto port = web.listen("127.0.0.1", 0);
  std::thread serving([&] { ioc.run(); });
  std::string body;
  bool ok = port != 0 && get(port, http::verb::get, "/mqtt/status", body) == 200 &&
            body.find("\"connected\":false") != std::string::npos;
  ok = ok && get(port, http::verb::post, "/mqtt/publish", body) == 403;  // safe by default
  web.stop();
  serving.join();
  std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
