// Arbitrary bytes as a proxy's answers to the HTTP CONNECT and SOCKS5
// handshakes, split at points taken from the input.
// Properties: however the answer is cut, the same outcome comes out (open,
// waiting, or the same error and detail but for how much of the answer it
// quotes, with the same bytes to send); an
// open tunnel takes no further byte; a failed handshake has a detail.
//
// Input layout: byte 0 = options (bit 0: SOCKS5, else HTTP; bit 1: with
// credentials; bit 2: an IP literal as the broker's host), byte 1 = seed of
// the chunk sizes, then the proxy's bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "transport/proxy/handshake.hpp"

namespace {

using namespace tern::transport::proxy;
using bytes = std::vector<std::byte>;

void check(bool ok) {
  if (!ok) std::abort();
}

struct outcome {
  std::error_code ec;
  bool done = false;
  std::string detail;  // without the quote of what came, which depends on the cuts
  bytes sent;
  bool operator==(const outcome&) const = default;
};

std::string unquoted(const std::string& detail) { return detail.substr(0, detail.find(" (it began \"")); }

std::unique_ptr<handshake> make(std::uint8_t options) {
  return (options & 1) ? make_socks5() : make_http_connect();
}

tunnel_request request(std::uint8_t options) {
  tunnel_request r;
  r.host = (options & 4) ? "192.0.2.7" : "broker.example";
  r.port = 8883;
  if (options & 2) {
    r.has_credentials = true;
    r.user = "user";
    r.password = "password";
  }
  return r;
}

// Feeds `in` in chunks of `chunk(left)` bytes, stopping at the first error.
template <class Chunk>
outcome run(std::uint8_t options, tern::bytes_view in, Chunk chunk) {
  outcome o;
  auto hs = make(options);
  check(!hs->start(request(options), o.sent));
  check(!o.sent.empty());
  while (!in.empty() && !o.ec) {
    bool was_done = hs->done();
    auto n = chunk(in.size());
    o.ec = hs->on_bytes(in.first(n), o.sent);
    check(!was_done || o.ec);  // an open tunnel takes no byte
    in = in.subspan(n);
  }
  o.done = hs->done();
  o.detail = unquoted(hs->detail());
  check(!o.ec || !hs->detail().empty());
  check(!(o.ec && o.done));
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto options = data[0];
  unsigned seed = data[1];
  tern::bytes_view in(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  auto whole = run(options, in, [](std::size_t left) { return left; });
  auto byte_by_byte = run(options, in, [](std::size_t) { return std::size_t{1}; });
  auto chunked = run(options, in, [&seed](std::size_t left) {
    seed = seed * 1103515245u + 12345u;
    std::size_t n = 1 + (seed >> 16) % 23;
    return n < left ? n : left;
  });
  // Byte by byte stops at the very byte that fails; bigger pieces may stop
  // inside a piece, with the same outcome.
  check(whole == byte_by_byte);
  check(whole == chunked);
  return 0;
}
