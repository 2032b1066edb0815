// tern-load: many MQTT connections from one process, for load tests and for
// measuring what a connection costs. See docs/tools.md.
//
//   tern-load conn -c 10000 -R 2000            # 10,000 idle connections
//   tern-load sub  -c 5000 -t 'load/%i' -q 1
//   tern-load pub  -c 5000 -t 'load/%i' -q 1 -r 1 -d 30

#include <cstdio>

#include "load_driver.hpp"
#include "tern_engine.hpp"

int main(int argc, char** argv) {
  auto o = tern::load::parse_load_options(argc, argv, "tern-load");
  if (!o) return 2;
  tern::load::load_stats stats;
  auto engine = tern::load::make_tern_engine(*o, stats);
  return tern::load::run_load(*o, *engine, stats);
}
