#pragma once
// Counts heap allocations in a benchmark binary: alloc_counter.cpp replaces
// the global operator new. Read `allocations()` before and after the timed
// loop and report the difference per iteration.
#include <cstdint>

namespace tern::bench {
std::uint64_t allocations() noexcept;
}
