#pragma once
// The libraries tern-bench can drive. The peers other than tern are built
// only when their Debian packages are installed (libmosquitto-dev,
// libpaho-mqtt-dev).

#include <memory>

#include "harness.hpp"

namespace tern::e2e {

std::unique_ptr<peer> make_tern_peer();
#ifdef TERN_BENCH_MOSQUITTO
std::unique_ptr<peer> make_mosquitto_peer(bool nodelay);
#endif
#ifdef TERN_BENCH_PAHO
std::unique_ptr<peer> make_paho_peer();
#endif

}  // namespace tern::e2e
