#include "session/outbound_store.hpp"

#include <algorithm>

namespace tern::detail {

void entry_ring::grow() {
  std::vector<outbound_entry> bigger(slots_.empty() ? 16 : slots_.size() * 2);
  for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
  slots_ = std::move(bigger);
  head_ = 0;
}

outbound_entry& entry_ring::push_back(outbound_entry&& e) {
  if (size_ == slots_.size()) grow();
  auto& slot = slots_[(head_ + size_) % slots_.size()];
  slot = std::move(e);
  ++size_;
  return slot;
}

void entry_ring::push_front(outbound_entry&& e) {
  if (size_ == slots_.size()) grow();
  head_ = (head_ + slots_.size() - 1) % slots_.size();
  slots_[head_] = std::move(e);
  ++size_;
}

void entry_ring::pop_front() noexcept {
  slots_[head_] = outbound_entry{};  // frees the message now, not when the slot is reused
  head_ = (head_ + 1) % slots_.size();
  --size_;
}

outbound_entry* outbound_store::find(std::uint16_t packet_id) noexcept {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [packet_id](const outbound_entry& e) { return e.packet_id == packet_id; });
  return it == inflight_.end() ? nullptr : &*it;
}

outbound_entry& outbound_store::start_front(std::uint16_t packet_id, outbound_state state) {
  if (inflight_.capacity() == 0) inflight_.reserve(window_);
  auto& e = inflight_.emplace_back(std::move(queue_.front()));
  queue_.pop_front();
  e.packet_id = packet_id;
  e.state = state;
  return e;
}

void outbound_store::complete(outbound_entry& e) noexcept {
  inflight_.erase(inflight_.begin() + (&e - inflight_.data()));
}

}  // namespace tern::detail
