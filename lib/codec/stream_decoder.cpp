#include <algorithm>
#include <cstring>

#include "tern/codec.hpp"

namespace tern::codec {

stream_decoder::stream_decoder(std::size_t max_packet, protocol_version version)
    : reader_(max_packet), version_(version) {}

std::span<std::byte> stream_decoder::prepare(std::size_t n) {
  if (buf_.size() - end_ < n) {
    // Keep the partial packet contiguous: slide it to the front, then grow if
    // that is still not enough room.
    std::size_t held = end_ - begin_;
    if (held && begin_) std::memmove(buf_.data(), buf_.data() + begin_, held);
    begin_ = 0;
    end_ = held;
    if (buf_.size() - end_ < n) buf_.resize(end_ + n);
  }
  return std::span(buf_).subspan(end_, n);
}

void stream_decoder::commit(std::size_t n) noexcept { end_ += n; }

void stream_decoder::shrink(std::size_t n) {
  std::size_t held = end_ - begin_;
  std::size_t keep = std::max(n, held);
  if (buf_.capacity() <= keep) return;
  std::vector<std::byte> smaller(keep);
  if (held) std::memcpy(smaller.data(), buf_.data() + begin_, held);
  buf_.swap(smaller);
  begin_ = 0;
  end_ = held;
}

void stream_decoder::feed(bytes_view bytes) {
  auto dst = prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

read_result stream_decoder::next_frame() noexcept {
  if (error_) return error_;
  auto r = reader_.next(std::span<const std::byte>(buf_).subspan(begin_, end_ - begin_));
  if (auto* f = std::get_if<frame>(&r)) {
    begin_ += f->size;
  } else if (auto* ec = std::get_if<std::error_code>(&r)) {
    error_ = *ec;
  } else if (begin_ == end_) {
    begin_ = end_ = 0;  // nothing held: the next read starts at the front
  }
  return r;
}

stream_decoder::next_result stream_decoder::next() noexcept {
  auto r = next_frame();
  if (auto* more = std::get_if<need_more>(&r)) return *more;
  if (auto* ec = std::get_if<std::error_code>(&r)) return *ec;
  auto p = parse(std::get<frame>(r), version_);
  if (!p) return error_ = p.error();
  return std::move(p).value();
}

void stream_decoder::reset() noexcept {
  begin_ = end_ = 0;
  error_.clear();
}

}  // namespace tern::codec
