// Arbitrary bytes through the WebSocket response parser, the frame decoder and
// client_protocol, split at points taken from the input.
// Properties: however the stream is cut, the same outcome comes out (frames,
// MQTT bytes, bytes to send, final error); every frame handed out lies inside
// the input and obeys RFC 6455 5.2/5.5/7.4; the parser never consumes more
// than it was given.
//
// Input layout: byte 0 = options (bits 0-1: max frame payload; bit 2: put a
// valid 101 response in front of the stream for client_protocol), byte 1 =
// seed of the chunk sizes, then the stream.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "transport/websocket/client_protocol.hpp"

namespace {

using namespace tern::websocket;
using bytes = std::vector<std::byte>;

void check(bool ok) {
  if (!ok) std::abort();
}

struct chunker {
  unsigned seed;
  std::size_t next(std::size_t left) {
    seed = seed * 1103515245u + 12345u;
    std::size_t n = 1 + (seed >> 16) % 23;
    return n < left ? n : left;
  }
};

// --- response parser --------------------------------------------------------
struct parse_outcome {
  int kind = 0;  // 0 need_more, 1 complete, 2 error
  std::size_t consumed = 0;
  std::error_code error;
  int status = 0;
  bool operator==(const parse_outcome&) const = default;
};

parse_outcome parse_in_chunks(tern::bytes_view s, chunker* c) {
  response_parser p("dGhlIHNhbXBsZSBub25jZQ==", 512);
  parse_outcome out;
  std::size_t at = 0;
  do {
    std::size_t n = c ? c->next(s.size() - at) : s.size() - at;
    auto r = p.feed(s.subspan(at, n));
    if (auto* done = std::get_if<handshake_complete>(&r)) {
      check(done->consumed <= n);
      out = {1, at + done->consumed, {}, p.status()};
      // The header ends with the empty line.
      auto h = tern::as_chars(s.first(out.consumed));
      check(h.size() >= 4 && h.substr(h.size() - 4) == "\r\n\r\n");
      check(p.status() == 101 && p.header("sec-websocket-protocol") == "mqtt");
      return out;
    }
    if (auto* ec = std::get_if<std::error_code>(&r)) return {2, 0, *ec, p.status()};
    check(std::get<need_more>(r).at_least >= 1 && std::get<need_more>(r).at_least <= 4);
    at += n;
  } while (at < s.size());
  return out;
}

// --- frame decoder ----------------------------------------------------------
struct decode_outcome {
  std::vector<bytes> frames;  // first byte + payload, per frame
  std::error_code error;
  bool operator==(const decode_outcome&) const = default;
};

decode_outcome decode_in_chunks(tern::bytes_view s, std::size_t max_payload, chunker* c) {
  frame_decoder d(max_payload);
  decode_outcome out;
  bytes buf;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t n = c ? c->next(s.size() - at) : s.size() - at;
    buf.insert(buf.end(), s.begin() + static_cast<std::ptrdiff_t>(at), s.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    for (;;) {
      auto r = d.next(buf);
      if (auto* f = std::get_if<frame>(&r)) {
        check(f->size <= buf.size() && f->size >= 2 + f->payload.size());
        check(f->payload.data() >= buf.data() && f->payload.data() + f->payload.size() == buf.data() + f->size);
        check(f->payload.size() <= max_payload);
        check(f->opcode != opcode::text);
        bool control = static_cast<unsigned>(f->opcode) & 8;
        if (control) check(f->fin && f->payload.size() <= max_control_payload);
        if (f->opcode == opcode::close && f->close_code) check(valid_close_code(*f->close_code));
        if (f->opcode == opcode::close) check(f->close_code || f->payload.empty());
        bytes rec{std::byte(static_cast<unsigned>(f->opcode) | (f->fin ? 0x80u : 0u))};
        rec.insert(rec.end(), f->payload.begin(), f->payload.end());
        out.frames.push_back(std::move(rec));
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(f->size));
      } else if (auto* ec = std::get_if<std::error_code>(&r)) {
        out.error = *ec;
        return out;
      } else {
        check(std::get<need_more>(r).at_least >= 1);
        break;
      }
    }
  }
  return out;
}

// --- client_protocol ----------------------------------------------------------
struct client_outcome {
  bytes mqtt, sent;
  std::error_code error;
  client_protocol::state state{};
  bool operator==(const client_outcome&) const = default;
};

client_outcome run_client(tern::bytes_view s, bool prefix_101, std::size_t max_payload, chunker* c) {
  client_protocol ws(
      [n = 0u](std::span<std::byte> out) mutable {
        for (auto& b : out) b = std::byte(n++ & 0xFF);
      },
      {.max_frame_payload = max_payload, .max_response_header = 1024});
  client_outcome out;
  check(!ws.start({.host = "fuzz", .port = 80}, out.sent));
  out.sent.clear();
  bytes wire;
  if (prefix_101) {
    // The key of nonce 00..0f.
    std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: " + accept_for("AAECAwQFBgcICQoLDA0ODw==") +
                    "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
    auto rb = tern::as_bytes(r);
    wire.assign(rb.begin(), rb.end());
  }
  wire.insert(wire.end(), s.begin(), s.end());
  std::size_t at = 0;
  while (at < wire.size() && !out.error) {
    std::size_t n = c ? c->next(wire.size() - at) : wire.size() - at;
    out.error = ws.on_bytes(tern::bytes_view(wire).subspan(at, n), out.mqtt, out.sent);
    at += n;
  }
  out.state = ws.current_state();
  if (out.error) check(out.state == client_protocol::state::closed);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static constexpr std::size_t limits[] = {default_max_frame_payload, 16, 300, 70'000};
  const std::size_t max_payload = limits[data[0] & 3];
  const bool prefix_101 = data[0] & 4;
  tern::bytes_view stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);

  chunker c1{data[1]}, c2{data[1]}, c3{data[1]};
  check(parse_in_chunks(stream, nullptr) == parse_in_chunks(stream, &c1));
  check(decode_in_chunks(stream, max_payload, nullptr) == decode_in_chunks(stream, max_payload, &c2));
  check(run_client(stream, prefix_101, max_payload, nullptr) == run_client(stream, prefix_101, max_payload, &c3));
  return 0;
}
