#pragma once
// Helpers shared by the WebSocket tests: hex literals, a transport-like
// decoding loop, and the server's side of masking.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../common/hex.hpp"
#include "transport/websocket/frame_decoder.hpp"
#include "transport/websocket/frame_encoder.hpp"

namespace tern::websocket::test {

using bytes = std::vector<std::byte>;

using tern::test::hex;
using tern::test::to_hex;

inline bytes to_bytes(std::string_view s) {
  auto b = as_bytes(s);
  return {b.begin(), b.end()};
}

inline bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A decoded frame that owns its bytes, so that it outlives the input.
struct event {
  opcode op;
  bool fin;
  bytes payload;
  std::optional<std::uint16_t> close_code;
  std::string close_reason;
  bool operator==(const event&) const = default;
};

inline event to_event(const frame& f) {
  return {f.opcode, f.fin, bytes(f.payload.begin(), f.payload.end()), f.close_code, std::string(f.close_reason)};
}

struct stream_outcome {
  std::vector<event> events;
  std::error_code error;
  std::size_t left = 0;  ///< bytes kept, waiting for the rest of a frame
  bool operator==(const stream_outcome&) const = default;
};

/// Decodes `wire` as a transport would: the bytes arrive in pieces ending at
/// `cuts` (ascending), are appended to a buffer, and whole frames are taken
/// from its front.
inline stream_outcome decode_stream(const bytes& wire, const std::vector<std::size_t>& cuts,
                                    std::size_t max_payload = default_max_frame_payload) {
  frame_decoder d(max_payload);
  stream_outcome out;
  bytes buf;
  std::size_t at = 0;
  auto drain = [&] {
    for (;;) {
      auto r = d.next(buf);
      if (auto* f = std::get_if<frame>(&r)) {
        out.events.push_back(to_event(*f));
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(f->size));
      } else if (auto* ec = std::get_if<std::error_code>(&r)) {
        out.error = *ec;
        return false;
      } else {
        EXPECT_GE(std::get<need_more>(r).at_least, 1u);
        return true;
      }
    }
  };
  std::vector<std::size_t> ends = cuts;
  ends.push_back(wire.size());
  for (auto end : ends) {
    buf.insert(buf.end(), wire.begin() + static_cast<std::ptrdiff_t>(at), wire.begin() + static_cast<std::ptrdiff_t>(end));
    at = end;
    if (!drain()) break;
  }
  out.left = out.error ? 0 : buf.size();
  return out;
}

/// What a server does with a client frame (5.3): checks the MASK bit, removes
/// the key and unmasks the payload, giving the unmasked frame a server would
/// send with the same contents.
inline bytes server_unmask(const bytes& masked) {
  EXPECT_GE(masked.size(), 6u);
  bytes out;
  out.push_back(masked[0]);
  auto b1 = std::to_integer<unsigned>(masked[1]);
  EXPECT_TRUE(b1 & 0x80) << "client frames are masked (5.1)";
  std::size_t len_bytes = (b1 & 0x7F) == 126 ? 2 : (b1 & 0x7F) == 127 ? 8 : 0;
  out.push_back(std::byte(b1 & 0x7F));
  out.insert(out.end(), masked.begin() + 2, masked.begin() + 2 + static_cast<std::ptrdiff_t>(len_bytes));
  mask_key key;
  std::memcpy(key.data(), masked.data() + 2 + len_bytes, 4);
  auto payload_at = 2 + len_bytes + 4;
  bytes payload(masked.begin() + static_cast<std::ptrdiff_t>(payload_at), masked.end());
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= key[i % 4];
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

/// Every frame in `stream` (client frames, masked) unmasked, split up.
inline std::vector<bytes> split_client_frames(const bytes& stream) {
  std::vector<bytes> frames;
  std::size_t at = 0;
  while (at < stream.size()) {
    auto b1 = std::to_integer<unsigned>(stream[at + 1]) & 0x7F;
    std::size_t len = b1, hdr = 2;
    if (b1 == 126) {
      len = std::to_integer<std::size_t>(stream[at + 2]) << 8 | std::to_integer<std::size_t>(stream[at + 3]);
      hdr = 4;
    } else if (b1 == 127) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = len << 8 | std::to_integer<std::size_t>(stream[at + 2 + i]);
      hdr = 10;
    }
    std::size_t total = hdr + 4 + len;
    frames.push_back(server_unmask(bytes(stream.begin() + static_cast<std::ptrdiff_t>(at),
                                         stream.begin() + static_cast<std::ptrdiff_t>(at + total))));
    at += total;
  }
  return frames;
}

}  // namespace tern::websocket::test
