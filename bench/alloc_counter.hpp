#pragma once
// Counts heap allocations in a benchmark binary: alloc_counter.cpp replaces
// the global operator new. Read `allocations()` before and after the timed
// loop and report the difference per iteration.
#include <cstdint>

namespace tern::bench {
std::uint64_t allocations() noexcept;
/// Bytes currently allocated through operator new, counted as the usable size
/// of each block (what malloc really hands out, without its own header).
/// The difference around building a data structure is its heap footprint.
std::uint64_t live_bytes() noexcept;
}
