#pragma once
// Polls a condition that another thread makes true, for tests of the I/O layers.

#include <chrono>
#include <thread>

namespace tern::test {

/// True as soon as `p()` is, false if it is still false after `limit`.
template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(5)))
    if (p()) return true;
  return p();
}

}  // namespace tern::test
