#pragma once
// The libraries tern-bench can drive. The peers other than tern are built
// only when their Debian packages are installed (libmosquitto-dev,
// libpaho-mqtt-dev).

#include <memory>

#include "harness.hpp"

namespace tern::e2e {

/// `store`: "" (none: the session's memory), "memory" (memory_store), or a
/// file store's sync policy: "every", "batch", "none".
std::unique_ptr<peer> make_tern_peer(const std::string& store = {});
#ifdef TERN_BENCH_MOSQUITTO
std::unique_ptr<peer> make_mosquitto_peer(bool nodelay);
#endif
#ifdef TERN_BENCH_PAHO
/// `persist`: the publisher with Paho's default file persistence in settings::store_dir.
std::unique_ptr<peer> make_paho_peer(bool persist = false);
#endif

}  // namespace tern::e2e
