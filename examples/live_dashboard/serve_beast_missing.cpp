// Built without libboost-dev: --binding beast says so.

#include <cstdio>

#include "serve.hpp"

namespace live_dashboard {

int serve_beast(tern::web::mqtt&, const site&) {
  std::fprintf(stderr, "tern-live-dashboard: built without Boost.Beast (install libboost-dev and rebuild)\n");
  return 2;
}

}  // namespace live_dashboard
