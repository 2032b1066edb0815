#include "client/write_queue.hpp"

#include <cassert>
#include <cstring>

namespace tern::detail {

void write_queue::copy(bytes_view b) {
  if (b.empty()) return;
  auto at = pending_.bytes.size();
  pending_.bytes.resize(at + b.size());
  std::memcpy(pending_.bytes.data() + at, b.data(), b.size());
  auto& segs = pending_.segments;
  if (!segs.empty() && !segs.back().external && segs.back().offset + segs.back().size == at)
    segs.back().size += b.size();  // extend the copied run: one buffer for many small packets
  else
    segs.push_back({nullptr, at, b.size()});
}

void write_queue::add(bytes_view head, bytes_view payload, bool payload_stable) {
  copy(head);
  if (payload_stable && payload.size() >= reference_threshold)
    pending_.segments.push_back({payload.data(), 0, payload.size()});
  else
    copy(payload);
}

std::span<const asio::const_buffer> write_queue::start() {
  assert(has_pending() && !in_flight_);
  std::swap(pending_, writing_);
  pending_.clear();
  in_flight_ = true;
  buffers_.clear();
  for (const auto& s : writing_.segments)
    buffers_.emplace_back(s.external ? s.external : writing_.bytes.data() + s.offset, s.size);
  return buffers_;
}

std::span<const asio::const_buffer> write_queue::consume(std::size_t n) noexcept {
  std::size_t first = 0;
  while (first < buffers_.size() && n >= buffers_[first].size()) n -= buffers_[first++].size();
  buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(first));
  if (!buffers_.empty()) buffers_.front() += n;
  return buffers_;
}

}  // namespace tern::detail
