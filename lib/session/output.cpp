#include "session/output.hpp"

#include <cassert>
#include <cstdio>

namespace tern::detail {

void output::begin(std::vector<action>& out) noexcept {
  out_ = &out;
  bytes_.clear();
  text_.clear();
  fixups_.clear();
}

void output::finish() noexcept {
  for (const auto& f : fixups_) {
    auto& a = (*out_)[f.index];
    if (auto* s = std::get_if<send_bytes>(&a))
      s->head = bytes_view(bytes_.data() + f.offset, f.size);
    else if (auto* l = std::get_if<log_line>(&a))
      l->text = std::string_view(text_.data() + f.offset, f.size);
    else if (auto* u = std::get_if<store_update>(&a))
      u->topic = std::string_view(text_.data() + f.offset, f.size);
  }
  fixups_.clear();
}

std::span<std::byte> output::reserve_head(std::size_t n) {
  auto at = bytes_.size();
  bytes_.resize(at + n);
  fixups_.push_back({out_->size(), at, n});
  return std::span(bytes_).subspan(at, n);
}

void output::send(const packet_view& p) {
  auto n = codec::encoded_head_size(p);
  assert(n && "the session only sends packets it has validated");
  auto e = codec::encode(p, reserve_head(*n));
  out_->emplace_back(send_bytes{{}, e.payload});
}

void output::send(const publish_view& p) {
  auto n = codec::encoded_head_size(p);
  assert(n && "the session only sends packets it has validated");
  auto e = codec::encode(p, reserve_head(*n));
  out_->emplace_back(send_bytes{{}, e.payload});
}

void output::emit_with_topic(store_update u, std::string_view topic) {
  fixups_.push_back({out_->size(), text_.size(), topic.size()});
  text_.append(topic);
  out_->emplace_back(u);
}

void output::log(log_level level, const char* format, ...) {
  if (!logs(level)) return;
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  if (n > 0) {
    auto at = text_.size();
    text_.resize(at + static_cast<std::size_t>(n) + 1);
    std::vsnprintf(text_.data() + at, static_cast<std::size_t>(n) + 1, format, again);
    text_.pop_back();  // vsnprintf's terminating NUL
    fixups_.push_back({out_->size(), at, static_cast<std::size_t>(n)});
    out_->emplace_back(log_line{level, {}});
  }
  va_end(again);
}

}  // namespace tern::detail
