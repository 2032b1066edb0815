#pragma once
// Publishes made on any thread, on their way to the client's strand. The
// first publish into an empty outbox posts one drain task; those that follow
// before it runs ride along. So a burst of publishes costs one wake-up of the
// I/O thread instead of one each. Subscribes and unsubscribes travel the same
// queue, so that every request leaves in the order of the calls.

#include <atomic>
#include <functional>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "tern/array_view.hpp"
#include "tern/callback.hpp"
#include "tern/session.hpp"

namespace tern::detail {

struct outbox_item {
  message_id mid = 0;
  message msg;
  callback<void(error_code, message_id)> done;
  /// Set for a request that is not a publish (subscribe, unsubscribe): run
  /// on the strand in its turn instead of publishing `msg`.
  std::function<void()> command;
};

/// **Thread safety:** `push` from any thread; `drain` from the strand.
class outbox {
 public:
  /// Adds `item`; calls `wake` (outside the lock) when a drain must be scheduled.
  template <class Wake>
  void push(outbox_item item, Wake&& wake) {
    bool was_empty;
    if (!item.command) publishes_.fetch_add(1);
    {
      std::lock_guard lock(m_);
      was_empty = items_.empty();
      items_.push_back(std::move(item));
    }
    if (was_empty) wake();
  }

  /// Publishes pushed and not yet handed over by `drain` (each counts until
  /// `fn` returned for it, so that a count the strand updates in `fn` and
  /// this one never miss a message between them; they may both count it).
  std::size_t publishes() const noexcept { return publishes_.load(); }

  bool empty() {
    std::lock_guard lock(m_);
    return items_.empty();
  }

  /// Hands every queued item to `fn`, in order.
  template <class Fn>
  void drain(Fn&& fn) {
    {
      std::lock_guard lock(m_);
      draining_.swap(items_);
    }
    for (auto& item : draining_) {
      bool publish = !item.command;
      fn(item);
      if (publish) publishes_.fetch_sub(1);
    }
    draining_.clear();  // keeps the capacity: no allocation once warm
  }

 private:
  std::mutex m_;
  std::atomic<std::size_t> publishes_{0};
  std::vector<outbox_item> items_;
  std::vector<outbox_item> draining_;
};

}  // namespace tern::detail
