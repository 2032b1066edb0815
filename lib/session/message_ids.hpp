#pragma once
// Message ids (paho's `mid`) of publish, subscribe and unsubscribe: one
// counter for all three, taken from any thread (tern::client hands ids out
// on its callers' threads, before their calls reach the session's strand).
// Never 0; wraps after 2^32 - 1.

#include <atomic>

#include "tern/session.hpp"

namespace tern::detail {

class message_id_counter {
 public:
  message_id next() noexcept {
    auto mid = next_.fetch_add(1, std::memory_order_relaxed);
    return mid != 0 ? mid : next_.fetch_add(1, std::memory_order_relaxed);
  }
  /// Ids handed out next follow `last` (restored messages keep theirs).
  void continue_after(message_id last) noexcept { next_.store(last + 1, std::memory_order_relaxed); }

 private:
  std::atomic<message_id> next_{1};
};

}  // namespace tern::detail
