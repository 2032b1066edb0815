#pragma once
// tern as a load engine: every client on one io_context, run by
// `load_options::threads` threads, the way many connections per process are
// meant to run (no thread per client).

#include <memory>

#include "load_engine.hpp"
#include "load_options.hpp"
#include "load_stats.hpp"

namespace tern::load {

std::unique_ptr<load_engine> make_tern_engine(const load_options& o, load_stats& s);

}  // namespace tern::load
