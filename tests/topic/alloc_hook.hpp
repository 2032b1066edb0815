#pragma once
// Counts operator new calls made by the current thread (alloc_hook.cpp
// replaces the global operator new for the topic test binary).
#include <cstddef>

namespace tern::test {
/// Allocations made by this thread so far.
std::size_t thread_allocations() noexcept;
}  // namespace tern::test
