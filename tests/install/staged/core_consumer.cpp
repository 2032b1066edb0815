// tern::core alone: the codec and the topic layer, without the I/O layers.
#include <tern/codec.hpp>
#include <tern/topic.hpp>

#include <cstddef>
#include <cstdio>
#include <vector>

int main() {
  bool ok = !tern::validate_topic_filter("sensors/+/temp") && tern::validate_topic_name("a/#");
  std::vector<std::byte> out;
  ok = ok && !tern::codec::encode_to(tern::pingreq{}, out) && out.size() == 2;
  std::printf("core consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
