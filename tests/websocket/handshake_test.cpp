// The opening handshake (RFC 6455 4.1, 4.2.2): the request bytes, the key and
// accept values, and the response parser, every response re-fed split at every offset.

#include <gtest/gtest.h>

#include <string>

#include "transport/websocket/handshake.hpp"
#include "ws_test_util.hpp"

namespace tern::websocket::test::handshake_test {
namespace {

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";     // 1.3
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";  // 1.3

TEST(Handshake, Rfc6455KeyAndAccept) {
  // 4.1: the key is the Base64 form of a 16-byte nonce; 1.3's is "the sample nonce".
  auto nonce = to_bytes("the sample nonce");
  ASSERT_EQ(nonce.size(), 16u);
  EXPECT_EQ(make_key(std::span<const std::byte, 16>(nonce.data(), 16)), rfc_key);
  EXPECT_EQ(accept_for(rfc_key), rfc_accept);
}

TEST(Handshake, RequestBytesExact) {
  std::string out;
  ASSERT_FALSE(build_upgrade_request({.host = "broker.example", .port = 8080}, rfc_key, out));
  EXPECT_EQ(out,
            "GET /mqtt HTTP/1.1\r\n"
            "Host: broker.example:8080\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: mqtt\r\n"  // [MQTT-6.0.0-3]
            "\r\n");
}

TEST(Handshake, RequestHostPortPathAndExtraHeaders) {
  const http_header extra[] = {{"Authorization", "Bearer abc"}, {"Origin", "https://app.example"}};
  std::string out;
  ASSERT_FALSE(build_upgrade_request(
      {.host = "b", .port = 443, .secure = true, .path = "/ws?x=1", .extra_headers = extra}, rfc_key, out));
  EXPECT_EQ(out,
            "GET /ws?x=1 HTTP/1.1\r\n"
            "Host: b\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: mqtt\r\n"
            "Authorization: Bearer abc\r\n"
            "Origin: https://app.example\r\n"
            "\r\n");
  struct { upgrade_target t; const char* host_line; } table[] = {
      {{.host = "b", .port = 80}, "Host: b\r\n"},
      {{.host = "b", .port = 443}, "Host: b:443\r\n"},
      {{.host = "b", .port = 80, .secure = true}, "Host: b:80\r\n"},
      {{.host = "::1", .port = 80}, "Host: [::1]\r\n"},
      {{.host = "::1", .port = 9001}, "Host: [::1]:9001\r\n"},
      {{.host = "[::1]", .port = 9001}, "Host: [::1]:9001\r\n"},
      {{.host = "10.0.0.1", .port = 1}, "Host: 10.0.0.1:1\r\n"},
  };
  for (const auto& row : table) {
    std::string req;
    ASSERT_FALSE(build_upgrade_request(row.t, rfc_key, req));
    EXPECT_NE(req.find(row.host_line), std::string::npos) << req;
  }
}

TEST(Handshake, RequestRejectsBadArguments) {
  const http_header injected[] = {{"X-A", "1\r\nX-B: 2"}};
  const http_header bad_name[] = {{"X A", "1"}};
  const http_header empty_name[] = {{"", "1"}};
  const http_header reserved1[] = {{"sec-websocket-protocol", "other"}};
  const http_header reserved2[] = {{"Host", "x"}};
  const http_header reserved3[] = {{"CONNECTION", "close"}};
  const http_header reserved4[] = {{"Sec-WebSocket-Extensions", "permessage-deflate"}};
  struct { upgrade_target t; std::string_view key; } table[] = {
      {{.host = ""}, rfc_key},
      {{.host = "a b"}, rfc_key},
      {{.host = "a\r\n"}, rfc_key},
      {{.host = "b", .path = ""}, rfc_key},
      {{.host = "b", .path = "mqtt"}, rfc_key},
      {{.host = "b", .path = "/a b"}, rfc_key},
      {{.host = "b"}, "short"},
      {{.host = "b", .extra_headers = injected}, rfc_key},
      {{.host = "b", .extra_headers = bad_name}, rfc_key},
      {{.host = "b", .extra_headers = empty_name}, rfc_key},
      {{.host = "b", .extra_headers = reserved1}, rfc_key},
      {{.host = "b", .extra_headers = reserved2}, rfc_key},
      {{.host = "b", .extra_headers = reserved3}, rfc_key},
      {{.host = "b", .extra_headers = reserved4}, rfc_key},
  };
  for (const auto& row : table) {
    std::string out = "kept";
    EXPECT_EQ(build_upgrade_request(row.t, row.key, out), errc::invalid_argument) << row.t.host << row.t.path;
    EXPECT_EQ(out, "kept");
  }
}

const std::string good_response =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: mqtt\r\n"
    "\r\n";

/// Feeds `wire` in two pieces cut at `cut` and returns the final answer and
/// the bytes consumed in total.
std::pair<handshake_result, std::size_t> feed_in_two(response_parser& p, std::string_view wire, std::size_t cut) {
  auto r = p.feed(as_bytes(wire.substr(0, cut)));
  if (auto* done = std::get_if<handshake_complete>(&r)) return {r, done->consumed};
  if (std::holds_alternative<std::error_code>(r)) return {r, 0};
  EXPECT_GE(std::get<need_more>(r).at_least, 1u);
  auto r2 = p.feed(as_bytes(wire.substr(cut)));
  if (auto* done = std::get_if<handshake_complete>(&r2)) return {r2, cut + done->consumed};
  return {r2, 0};
}

TEST(ResponseParser, AcceptsTheRfcResponseSplitAtEveryOffset) {
  for (std::size_t cut = 0; cut <= good_response.size(); ++cut) {
    response_parser p(rfc_key);
    auto [r, consumed] = feed_in_two(p, good_response, cut);
    ASSERT_TRUE(std::holds_alternative<handshake_complete>(r)) << "cut=" << cut;
    EXPECT_EQ(consumed, good_response.size()) << "cut=" << cut;
    EXPECT_EQ(p.status(), 101);
    EXPECT_EQ(p.reason(), "Switching Protocols");
    EXPECT_EQ(p.header("sec-websocket-protocol"), "mqtt");
  }
}

TEST(ResponseParser, ByteByByteNeedMoreThenComplete) {
  response_parser p(rfc_key);
  for (std::size_t i = 0; i + 1 < good_response.size(); ++i) {
    auto r = p.feed(as_bytes(std::string_view(good_response).substr(i, 1)));
    ASSERT_TRUE(std::holds_alternative<need_more>(r)) << i;
    // Never asks for more than the rest of "\r\n\r\n" needs.
    EXPECT_LE(std::get<need_more>(r).at_least, good_response.size() - i - 1) << i;
  }
  auto r = p.feed(as_bytes(std::string_view(good_response).substr(good_response.size() - 1)));
  ASSERT_TRUE(std::holds_alternative<handshake_complete>(r));
  EXPECT_EQ(std::get<handshake_complete>(r).consumed, 1u);
}

TEST(ResponseParser, FrameBytesInTheSameReadAreNotConsumed) {
  // A server may send its first frames right behind the 101 (CONNACK, here).
  std::string wire = good_response + std::string("\x82\x04\x20\x02\x00\x00", 6);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    response_parser p(rfc_key);
    auto [r, consumed] = feed_in_two(p, wire, cut);
    ASSERT_TRUE(std::holds_alternative<handshake_complete>(r)) << cut;
    EXPECT_EQ(consumed, good_response.size()) << cut;
  }
}

TEST(ResponseParser, LenientWhereHttpAllows) {
  // Header names in any case, spaces around values, comma lists, repeated
  // Connection headers, an empty reason phrase, other headers in between.
  const std::string responses[] = {
      "HTTP/1.1 101 Switching Protocols\r\n"
      "upgrade: WebSocket\r\n"
      "connection: keep-alive, Upgrade\r\n"
      "SEC-WEBSOCKET-ACCEPT:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
      "sec-websocket-protocol:   mqtt  \r\n"
      "\r\n",
      "HTTP/1.1 101\r\n"
      "Server: test\r\n"
      "Connection: keep-alive\r\n"
      "Connection: upgrade\r\n"
      "Upgrade: websocket\r\n"
      "Date: Wed, 25 Nov 2026 14:00:00 GMT\r\n"
      "Sec-WebSocket-Protocol: mqtt\r\n"
      "Sec-WebSocket-Extensions: \r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
      "\r\n",
  };
  for (const auto& wire : responses) {
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
      response_parser p(rfc_key);
      auto [r, consumed] = feed_in_two(p, wire, cut);
      ASSERT_TRUE(std::holds_alternative<handshake_complete>(r)) << wire << " cut=" << cut;
      EXPECT_EQ(consumed, wire.size());
    }
  }
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(ResponseParser, RejectsEachBadResponseSplitAtEveryOffset) {
  const std::string_view accept_line = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
  const std::string_view protocol_line = "Sec-WebSocket-Protocol: mqtt\r\n";
  struct { std::string wire; websocket_errc error; int status; } table[] = {
      {replace(good_response, "101 Switching Protocols", "200 OK"), websocket_errc::handshake_failed, 200},
      {replace(good_response, "101 Switching Protocols", "401 Unauthorized"), websocket_errc::handshake_failed, 401},
      {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", websocket_errc::handshake_failed, 404},
      {"HTTP/1.1 400 Bad\r\nbroken line\r\n\r\n", websocket_errc::handshake_failed, 400},
      {replace(good_response, "HTTP/1.1", "HTTP/2.0"), websocket_errc::bad_response, 0},
      {replace(good_response, "HTTP/1.1", "ICY"), websocket_errc::bad_response, 0},
      {replace(good_response, "101 ", "1x1 "), websocket_errc::bad_response, 0},
      {replace(good_response, "101 ", "1010 "), websocket_errc::bad_response, 0},
      {"\r\n\r\n", websocket_errc::bad_response, 0},
      {replace(good_response, "Upgrade: websocket\r\n", "Upgrade websocket\r\n"), websocket_errc::bad_response, 101},
      {replace(good_response, "Upgrade: websocket\r\n", "Upgrade : websocket\r\n"), websocket_errc::bad_response, 101},
      {replace(good_response, "Upgrade: websocket\r\n", " folded\r\n"), websocket_errc::bad_response, 101},
      {replace(good_response, "Upgrade: websocket\r\n", ""), websocket_errc::bad_upgrade, 101},
      {replace(good_response, "Upgrade: websocket", "Upgrade: h2c"), websocket_errc::bad_upgrade, 101},
      {replace(good_response, "Connection: Upgrade\r\n", ""), websocket_errc::bad_upgrade, 101},
      {replace(good_response, "Connection: Upgrade", "Connection: keep-alive"), websocket_errc::bad_upgrade, 101},
      {replace(good_response, "Connection: Upgrade", "Connection: upgraded"), websocket_errc::bad_upgrade, 101},
      {replace(good_response, accept_line, ""), websocket_errc::bad_accept, 101},
      {replace(good_response, "xOo=", "xOO="), websocket_errc::bad_accept, 101},
      {replace(good_response, accept_line, std::string(accept_line) + std::string(accept_line)),
       websocket_errc::bad_accept, 101},
      {replace(good_response, protocol_line, "Sec-WebSocket-Extensions: permessage-deflate\r\n" + std::string(protocol_line)),
       websocket_errc::unexpected_extension, 101},
      {replace(good_response, protocol_line, ""), websocket_errc::no_mqtt_subprotocol, 101},  // [MQTT-6.0.0-4]
      {replace(good_response, "Protocol: mqtt", "Protocol: mqttv3.1"), websocket_errc::no_mqtt_subprotocol, 101},
      {replace(good_response, "Protocol: mqtt", "Protocol: MQTT"), websocket_errc::no_mqtt_subprotocol, 101},
      {replace(good_response, "Protocol: mqtt", "Protocol: mqtt, mqttv3.1"), websocket_errc::no_mqtt_subprotocol, 101},
      {replace(good_response, protocol_line, std::string(protocol_line) + std::string(protocol_line)),
       websocket_errc::no_mqtt_subprotocol, 101},
  };
  for (const auto& row : table) {
    for (std::size_t cut = 0; cut <= row.wire.size(); ++cut) {
      response_parser p(rfc_key);
      auto [r, consumed] = feed_in_two(p, row.wire, cut);
      ASSERT_TRUE(std::holds_alternative<std::error_code>(r)) << row.wire << " cut=" << cut;
      EXPECT_EQ(std::get<std::error_code>(r), row.error) << row.wire << " cut=" << cut;
      EXPECT_EQ(p.status(), row.status) << row.wire;
      // Sticky.
      auto again = p.feed(as_bytes("x"));
      EXPECT_EQ(std::get<std::error_code>(again), row.error);
    }
  }
}

TEST(ResponseParser, RefusalKeepsStatusReasonAndHeaders) {
  response_parser p(rfc_key);
  auto r = p.feed(as_bytes("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"mqtt\"\r\n\r\n"));
  EXPECT_EQ(std::get<std::error_code>(r), websocket_errc::handshake_failed);
  EXPECT_EQ(p.status(), 401);
  EXPECT_EQ(p.reason(), "Unauthorized");
  EXPECT_EQ(p.header("www-authenticate"), "Basic realm=\"mqtt\"");
  EXPECT_EQ(p.header("location"), std::nullopt);
  // Copies keep working views (the reason is held as offsets).
  response_parser copy = p;
  EXPECT_EQ(copy.reason(), "Unauthorized");
  p.reset(rfc_key);
  EXPECT_EQ(p.status(), 0);
  EXPECT_TRUE(std::holds_alternative<handshake_complete>(p.feed(as_bytes(good_response))));
}

TEST(ResponseParser, HeaderSizeCap) {
  // A header that never ends fails at the cap, not later, however it is fed.
  std::string endless = "HTTP/1.1 101 Switching Protocols\r\n" + std::string(200, 'x');
  for (std::size_t cut = 0; cut <= endless.size(); ++cut) {
    response_parser p(rfc_key, 100);
    auto [r, consumed] = feed_in_two(p, endless, cut);
    EXPECT_EQ(std::get<std::error_code>(r), websocket_errc::header_too_large) << cut;
  }
  // Exactly at the cap is fine; one byte over is not.
  response_parser fits(rfc_key, good_response.size());
  EXPECT_TRUE(std::holds_alternative<handshake_complete>(fits.feed(as_bytes(good_response))));
  response_parser over(rfc_key, good_response.size() - 1);
  EXPECT_EQ(std::get<std::error_code>(over.feed(as_bytes(good_response))), websocket_errc::header_too_large);
  // The default is 16 KiB.
  response_parser big(rfc_key);
  auto huge = replace(good_response, "\r\n\r\n", "\r\nX-Pad: " + std::string(17 * 1024, 'p') + "\r\n\r\n");
  EXPECT_EQ(std::get<std::error_code>(big.feed(as_bytes(huge))), websocket_errc::header_too_large);
}

}  // namespace
}  // namespace tern::websocket::test::handshake_test
