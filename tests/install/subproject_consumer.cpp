// A program that uses tern's core alone (the codec and the topic layer),
// built by a meson user who has tern as a subproject (a wrap file and
// `dependency('tern_core')`) and by a CMake user of the installed tern
// (`tern::core`). Exit 0 when they work.

#include <cstddef>
#include <cstdio>
#include <vector>

#include <tern/codec.hpp>
#include <tern/topic.hpp>

int main() {
  bool ok = !tern::validate_topic_filter("sensors/+/temp") && tern::validate_topic_name("a/#");
  std::vector<std::byte> out;
  ok = ok && !tern::codec::encode_to(tern::pingreq{}, out) && out.size() == 2;
  std::printf("subproject consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
