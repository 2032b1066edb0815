// SHA-1 against RFC 3174 7.3, Base64 against RFC 4648 10, and the error messages.

#include <gtest/gtest.h>

#include <string>

#include "transport/websocket/base64.hpp"
#include "transport/websocket/sha1.hpp"
#include "ws_test_util.hpp"

namespace tern::websocket::test::sha1_base64_test {
namespace {

std::string sha1_hex(const sha1_digest& d) {
  std::string s = to_hex(d);
  std::erase(s, ' ');
  return s;
}

TEST(Sha1, Rfc3174Vectors) {
  struct { std::string input; std::size_t repeat; const char* digest; } table[] = {
      {"abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},                                   // TEST1
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},                                             // TEST2
      {"a", 1'000'000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},                               // TEST3
      {"0123456701234567012345670123456701234567012345670123456701234567", 10,
       "dea356a2cddd90c7a7ecedc5ebb563934f460452"},                                             // TEST4
      {"", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},                                     // empty (FIPS 180)
  };
  for (const auto& row : table) {
    sha1 s;
    for (std::size_t i = 0; i < row.repeat; ++i) s.update(as_bytes(row.input));
    EXPECT_EQ(sha1_hex(s.finish()), row.digest) << row.input;
  }
}

TEST(Sha1, PaddingBoundariesAndSplitAtEveryOffset) {
  // Lengths around 55/56/64 exercise both padding branches; every split must agree.
  std::string text;
  for (int i = 0; i < 130; ++i) text += static_cast<char>('A' + i % 26);
  for (std::size_t n : {0u, 1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 130u}) {
    auto msg = as_bytes(std::string_view(text).substr(0, n));
    auto whole = sha1_of(msg);
    for (std::size_t cut = 0; cut <= n; ++cut) {
      sha1 s;
      s.update(msg.first(cut));
      s.update(msg.subspan(cut));
      EXPECT_EQ(s.finish(), whole) << "n=" << n << " cut=" << cut;
    }
  }
  EXPECT_EQ(sha1_hex(sha1_of(as_bytes("The quick brown fox jumps over the lazy dog"))),
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

TEST(Base64, Rfc4648Vectors) {
  struct { const char* in; const char* out; } table[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& row : table) {
    std::string out;
    base64_append(as_bytes(row.in), out);
    EXPECT_EQ(out, row.out);
    EXPECT_EQ(base64_size(std::string_view(row.in).size()), out.size());
  }
  // Every alphabet character, including '+' and '/'.
  std::string out;
  base64_append(hex("00 10 83 10 51 87 20 92 8b 30 d3 8f 41 14 93 51 55 97 61 96 9b 71 d7 9f"
                    "82 18 a3 92 59 a7 a2 9a ab b2 db af c3 1c b3 d3 5d b7 e3 9e bb f3 df bf"),
            out);
  EXPECT_EQ(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

TEST(Base64, DecodesWhatItEncodesAndNothingElse) {
  for (const char* in : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\x10\xff\x80"}) {
    std::string enc;
    base64_append(as_bytes(in), enc);
    EXPECT_EQ(base64_decode(enc), std::string(in)) << enc;
    while (!enc.empty() && enc.back() == '=') enc.pop_back();
    EXPECT_EQ(base64_decode(enc), std::string(in)) << "without padding: " << enc;
  }
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));  // whitespace
  EXPECT_FALSE(base64_decode("Zm9v-_"));     // the URL-safe alphabet
  EXPECT_FALSE(base64_decode("Zm9vY"));      // a lone sixth of a byte
}

TEST(WebSocketErrors, EveryCodeHasAMessage) {
  for (int e = static_cast<int>(websocket_errc::handshake_failed); e <= static_cast<int>(websocket_errc::closed); ++e) {
    auto ec = make_error_code(static_cast<websocket_errc>(e));
    EXPECT_STREQ(ec.category().name(), "tern.websocket");
    auto msg = ec.message();
    EXPECT_EQ(msg.find("unknown"), std::string::npos) << e;
    EXPECT_NE(msg.find("WebSocket"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace tern::websocket::test::sha1_base64_test
