#pragma once
// Outgoing messages: the in-flight QoS 1/2 PUBLISHes (and PUBRELs) in the
// order they were first sent [MQTT-4.6.0-1], and the queue of messages not
// sent yet, in publish order. Both keep their capacity, so a warm session
// moves messages through them without allocating.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tern/session.hpp"

namespace tern::detail {

enum class outbound_state : std::uint8_t { queued, awaiting_puback, awaiting_pubrec, awaiting_pubcomp };

struct outbound_entry {
  message msg;
  message_id mid = 0;
  std::uint16_t packet_id = 0;  ///< 0 while queued
  outbound_state state = outbound_state::queued;
};

/// A FIFO ring that grows by doubling and never shrinks.
class entry_ring {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  outbound_entry& front() noexcept { return slots_[head_]; }
  outbound_entry& push_back(outbound_entry&& e);
  void push_front(outbound_entry&& e);
  void pop_front() noexcept;

 private:
  void grow();
  std::vector<outbound_entry> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

class outbound_store {
 public:
  /// The in-flight list is given room for `window` entries (the session's
  /// in-flight window, capped) at the first message sent, not before: an
  /// idle connection holds none.
  explicit outbound_store(std::size_t window = 0) noexcept : window_(window) {}
  entry_ring& queue() noexcept { return queue_; }
  std::vector<outbound_entry>& inflight() noexcept { return inflight_; }
  const std::vector<outbound_entry>& inflight() const noexcept { return inflight_; }
  std::size_t queued() const noexcept { return queue_.size(); }

  /// The in-flight entry with `packet_id`, or nullptr.
  outbound_entry* find(std::uint16_t packet_id) noexcept;
  /// Moves the queue's front into the in-flight list and returns it.
  outbound_entry& start_front(std::uint16_t packet_id, outbound_state state);
  /// Removes a completed in-flight entry, keeping the order of the others.
  void complete(outbound_entry& e) noexcept;
  /// Puts every in-flight entry back at the head of the queue, in order, and
  /// calls `f(packet_id)` for each (to free the ids).
  template <class F>
  void requeue_inflight(F&& f) {
    for (auto it = inflight_.rbegin(); it != inflight_.rend(); ++it) {
      f(it->packet_id);
      it->packet_id = 0;
      it->state = outbound_state::queued;
      queue_.push_front(std::move(*it));
    }
    inflight_.clear();
  }

 private:
  std::size_t window_;
  std::vector<outbound_entry> inflight_;
  entry_ring queue_;
};

}  // namespace tern::detail
