#pragma once
// The load run itself, the same for every engine: opens the clients at the
// asked rate, waits for their CONNACKs, publishes on a schedule or holds the
// connections, prints a progress line while it runs and one summary line at
// the end.

#include "load_engine.hpp"
#include "load_options.hpp"
#include "load_stats.hpp"

namespace tern::load {

/// Runs `o` through `engine`, which reports to `stats`. Returns the process's
/// exit code: 0 when every client connected and (pub) every publish
/// completed, 1 otherwise.
int run_load(const load_options& o, load_engine& engine, load_stats& stats);

}  // namespace tern::load
