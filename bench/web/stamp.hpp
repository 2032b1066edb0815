#pragma once
// The payload every down-path message carries: text, so that it passes
// through JSON and Socket.IO unchanged, and exactly `payload_size` bytes:
//   m<seq>:<CLOCK_MONOTONIC ns at the publish call>:......
// 'm' marks a measured message, 'w' a warm-up one (sent until every client
// has one, so the measured interval starts with every route in place).

#include <charconv>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace tern::web_bench {

inline constexpr std::size_t payload_size = 64;

inline std::int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline std::string make_stamp(char kind, std::uint64_t seq, std::int64_t sent_ns) {
  std::string s = kind + std::to_string(seq) + ':' + std::to_string(sent_ns) + ':';
  s.resize(payload_size, '.');
  return s;
}

struct stamp {
  char kind;
  std::uint64_t seq;
  std::int64_t sent_ns;
};

/// Reads a stamp at the start of `text` (a payload as it appears inside a
/// JSON string); nothing when it is not one.
inline std::optional<stamp> parse_stamp(std::string_view text) {
  if (text.size() < 4 || (text[0] != 'm' && text[0] != 'w')) return std::nullopt;
  stamp s{text[0], 0, 0};
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size();
  auto r = std::from_chars(p, end, s.seq);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != ':') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, s.sent_ns);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != ':') return std::nullopt;
  return s;
}

/// Every payload in `text` (one JSON object, several lines of them, an SSE
/// data line or a Socket.IO event): the values of its "payload" keys, as
/// `"payload":"..."` or Python's `"payload": "..."`. Calls f(value).
template <class F>
void for_each_payload(std::string_view text, F&& f) {
  constexpr std::string_view key = "\"payload\"";
  for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at)) {
    at += key.size();
    while (at < text.size() && (text[at] == ':' || text[at] == ' ')) ++at;
    if (at >= text.size() || text[at] != '"') continue;
    auto close = text.find('"', ++at);
    if (close == std::string_view::npos) return;
    f(text.substr(at, close - at));
    at = close + 1;
  }
}

}  // namespace tern::web_bench
