// tern-pub: publishes one message, like mosquitto_pub.
// Exit 0 once the flow completed (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP)
// and DISCONNECT was sent; non-zero with a message on stderr otherwise.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli_options.hpp"
#include "tern/topic.hpp"

int main(int argc, char** argv) {
  auto o = tern::tools::parse_cli(argc, argv, true);
  if (!o) return 1;
  const std::string& topic = o->topics.front();
  if (auto ec = tern::validate_topic_name(topic)) {
    std::fprintf(stderr, "Error: invalid topic '%s': %s\n", topic.c_str(), ec.message().c_str());
    return 1;
  }

  std::vector<std::byte> payload;
  auto take = [&](std::istream& in) {
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto b = tern::as_bytes(s);
    payload.assign(b.begin(), b.end());
  };
  if (o->message) {
    auto b = tern::as_bytes(*o->message);
    payload.assign(b.begin(), b.end());
  } else if (o->file) {
    std::ifstream in(*o->file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "Error: cannot open file '%s'\n", o->file->c_str());
      return 1;
    }
    take(in);
  } else if (o->stdin_message) {
    take(std::cin);
  }

  tern::client c(o->client);
  tern::tools::attach_debug_log(c, *o);
  tern::tools::exit_code result;
  tern::message_id wanted = 0;
  std::atomic<bool> published{false};

  c.on_disconnect([&](std::error_code ec) {
    if (published) return result.set(0);
    std::string detail = c.last_error_detail();
    std::fprintf(stderr, "Error: %s\n", detail.empty() ? ec.message().c_str() : detail.c_str());
    result.set(ec == tern::errc::disconnected ? 0 : 1);
  });
  c.on_publish([&](tern::message_id mid) {
    if (mid != wanted) return;
    published = true;
    c.disconnect();  // on_disconnect settles once DISCONNECT is out
  });
  c.start();
  auto mid = c.publish(topic, std::move(payload), o->q, o->retain);
  if (!mid) {
    std::fprintf(stderr, "Error: %s\n", mid.error().message().c_str());
    return 1;
  }
  wanted = *mid;
  c.connect();
  int code = result.wait();
  c.stop();
  return code;
}
