// client_protocol: scripted connections, bytes in → bytes out, with a
// deterministic random source. MQTT bytes come out as a stream: several
// packets in one frame, one packet across frames [MQTT-6.0.0-2].

#include <gtest/gtest.h>

#include <string>

#include "tern/codec.hpp"
#include "transport/websocket/client_protocol.hpp"
#include "ws_test_util.hpp"

namespace tern::websocket::test::client_protocol_test {
namespace {

// Deterministic "random" bytes: 0, 1, 2, ... The first 16 are the nonce.
random_source counter() {
  return [n = 0](std::span<std::byte> out) mutable {
    for (auto& b : out) b = std::byte(n++);
  };
}

std::string response_for(std::string_view key) {
  return "HTTP/1.1 101 Switching Protocols\r\n"
         "Upgrade: websocket\r\n"
         "Connection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " + accept_for(key) + "\r\n"
         "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
}

struct harness {
  client_protocol ws{counter()};
  bytes to_send, mqtt_in;
  std::string key;

  explicit harness(client_limits limits = {}) : ws(counter(), limits) {
    EXPECT_FALSE(ws.start({.host = "localhost", .port = 9001}, to_send));
    std::string request(reinterpret_cast<const char*>(to_send.data()), to_send.size());
    auto at = request.find("Sec-WebSocket-Key: ") + 19;
    key = request.substr(at, 24);
    to_send.clear();
  }
  std::error_code feed(const bytes& b) { return ws.on_bytes(b, mqtt_in, to_send); }
  std::error_code feed(std::string_view s) {
    auto b = as_bytes(s);
    return ws.on_bytes(b, mqtt_in, to_send);
  }
  std::error_code open() { return feed(response_for(key)); }
};

TEST(ClientProtocol, StartSendsTheRequestWithAKeyFromTheRandomSource) {
  client_protocol ws(counter());
  bytes out = hex("aa");  // appends, keeps what is there
  ASSERT_FALSE(ws.start({.host = "localhost", .port = 9001}, out));
  std::string request(reinterpret_cast<const char*>(out.data()) + 1, out.size() - 1);
  EXPECT_EQ(request,
            "GET /mqtt HTTP/1.1\r\n"
            "Host: localhost:9001\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n"  // Base64 of bytes 00..0f
            "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: mqtt\r\n"
            "\r\n");
  EXPECT_EQ(ws.current_state(), client_protocol::state::handshaking);
  EXPECT_EQ(ws.start({.host = "localhost"}, out), errc::invalid_argument);
  client_protocol bad(counter());
  EXPECT_EQ(bad.start({.host = ""}, out), errc::invalid_argument);
  EXPECT_EQ(bad.current_state(), client_protocol::state::idle);
}

TEST(ClientProtocol, NothingBeforeStartAndNoDataBeforeThe101) {
  client_protocol ws(counter());
  bytes mqtt, out;
  EXPECT_EQ(ws.on_bytes(hex("00"), mqtt, out), errc::not_connected);
  EXPECT_EQ(ws.send(hex("c0 00"), out), errc::not_connected);
  harness h;
  EXPECT_EQ(h.ws.send(hex("c0 00"), h.to_send), errc::not_connected);  // 4.1: wait for the response
  EXPECT_EQ(h.ws.ping({}, h.to_send), errc::not_connected);
  EXPECT_EQ(h.ws.close(1000, "", h.to_send), errc::not_connected);
  EXPECT_TRUE(h.to_send.empty());
}

TEST(ClientProtocol, OpensAndCarriesMqttBothWays) {
  harness h;
  ASSERT_FALSE(h.open());
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::open);
  EXPECT_EQ(h.ws.handshake().status(), 101);
  // CONNECT out as one masked binary frame, head and payload gathered.
  auto head = hex("10 0c 00 04 4d 51 54 54 04 02 00 3c");
  auto client_id = hex("00 00");
  const bytes_view parts[] = {head, client_id};
  ASSERT_FALSE(h.ws.send(parts, h.to_send));
  auto frames = split_client_frames(h.to_send);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], concat({hex("82 0e"), head, client_id}));
  // The mask key comes from the random source (bytes 16..19 after the nonce).
  EXPECT_EQ(to_hex(bytes_view(h.to_send).subspan(2, 4)), "10 11 12 13");
  // CONNACK in.
  ASSERT_FALSE(h.feed(hex("82 04 20 02 00 00")));
  EXPECT_EQ(h.mqtt_in, hex("20 02 00 00"));
}

TEST(ClientProtocol, FramesInTheSameReadAsThe101) {
  harness h;
  auto wire = concat({to_bytes(response_for(h.key)), hex("82 04 20 02 00 00  89 01 70")});
  ASSERT_FALSE(h.feed(wire));
  EXPECT_EQ(h.mqtt_in, hex("20 02 00 00"));
  auto frames = split_client_frames(h.to_send);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(to_hex(frames[0]), "8a 01 70");  // the pong echoes the ping (5.5.3)
}

/// The server's whole stream (response + frames), fed in two pieces at every
/// cut; returns the MQTT bytes and what the client sent, which must not depend
/// on the cut.
void expect_cut_independent(const harness& prototype, const bytes& frames_wire, const bytes& mqtt_expected,
                            std::error_code final_error = {}) {
  auto wire = concat({to_bytes(response_for(prototype.key)), frames_wire});
  std::optional<bytes> first_sent;
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    harness h;
    auto ec = h.feed(bytes(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(cut)));
    if (!ec) ec = h.feed(bytes(wire.begin() + static_cast<std::ptrdiff_t>(cut), wire.end()));
    EXPECT_EQ(ec, final_error) << "cut=" << cut;
    EXPECT_EQ(h.mqtt_in, mqtt_expected) << "cut=" << cut;
    // Masking keys are drawn in the same order whatever the cut.
    if (!first_sent) first_sent = h.to_send;
    EXPECT_EQ(h.to_send, *first_sent) << "cut=" << cut;
  }
}

TEST(ClientProtocol, SeveralPacketsInOneFrameAndOnePacketAcrossFrames) {
  // [MQTT-6.0.0-2] CONNACK + PUBLISH "a/b" "hi" + PINGRESP in one frame, then a
  // PUBLISH split over three frames, with a ping in the middle.
  auto frames = hex(R"(
      82 0f 20 02 00 00  30 07 00 03 61 2f 62 68 69  d0 00
      02 03 30 07 00
      89 00
      00 04 03 61 2f 62
      80 02 68 69
  )");
  harness h;
  ASSERT_FALSE(h.open());
  ASSERT_FALSE(h.feed(frames));
  codec::stream_decoder d;
  d.feed(h.mqtt_in);
  std::vector<packet_type> types;
  for (;;) {
    auto r = d.next();
    if (auto* p = std::get_if<packet_view>(&r)) {
      types.push_back(type_of(*p));
      if (auto* pub = std::get_if<publish_view>(p)) {
        EXPECT_EQ(pub->topic, "a/b");
        EXPECT_EQ(as_chars(pub->payload), "hi");
      }
    } else {
      ASSERT_TRUE(std::holds_alternative<codec::need_more>(r));
      break;
    }
  }
  EXPECT_EQ(types, (std::vector<packet_type>{packet_type::connack, packet_type::publish, packet_type::pingresp,
                                             packet_type::publish}));
  expect_cut_independent(h, frames,
                         hex("20 02 00 00  30 07 00 03 61 2f 62 68 69  d0 00  30 07 00 03 61 2f 62 68 69"));
}

TEST(ClientProtocol, ServerCloseIsEchoedAndReported) {
  harness h;
  ASSERT_FALSE(h.open());
  EXPECT_EQ(h.feed(hex("82 02 d0 00  88 06 03 e9 62 79 65 21  82 02 d0 00")), websocket_errc::closed);
  EXPECT_EQ(h.mqtt_in, hex("d0 00"));  // the bytes after the close frame are ignored
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::closed);
  EXPECT_EQ(h.ws.peer_close_code(), 1001);
  EXPECT_EQ(h.ws.peer_close_reason(), "bye!");
  auto frames = split_client_frames(h.to_send);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(to_hex(frames[0]), "88 02 03 e9");  // 5.5.1: echo the code
  EXPECT_EQ(h.feed(hex("82 00")), websocket_errc::closed);
  EXPECT_EQ(h.ws.send(hex("e0 00"), h.to_send), websocket_errc::closed);
  expect_cut_independent(h, hex("82 02 d0 00  88 06 03 e9 62 79 65 21"), hex("d0 00"), websocket_errc::closed);

  harness empty;
  ASSERT_FALSE(empty.open());
  EXPECT_EQ(empty.feed(hex("88 00")), websocket_errc::closed);
  EXPECT_EQ(empty.ws.peer_close_code(), std::nullopt);
  EXPECT_EQ(to_hex(split_client_frames(empty.to_send).at(0)), "88 00");
}

TEST(ClientProtocol, ClientInitiatedClose) {
  harness h;
  ASSERT_FALSE(h.open());
  EXPECT_EQ(h.ws.close(1000, std::string(124, 'x'), h.to_send), errc::invalid_argument);
  EXPECT_EQ(h.ws.close(1005, "", h.to_send), errc::invalid_argument);
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::open);
  ASSERT_FALSE(h.ws.close(1000, "done", h.to_send));
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::closing);
  EXPECT_EQ(to_hex(split_client_frames(h.to_send).at(0)), "88 06 03 e8 64 6f 6e 65");
  h.to_send.clear();
  EXPECT_EQ(h.ws.send(hex("e0 00"), h.to_send), websocket_errc::closed);  // 5.5.1: no data after close
  EXPECT_EQ(h.ws.close(1000, "", h.to_send), websocket_errc::closed);
  // Data still arrives until the server's close; pings are not answered any more.
  ASSERT_FALSE(h.feed(hex("82 02 d0 00  89 00")));
  EXPECT_EQ(h.mqtt_in, hex("d0 00"));
  EXPECT_EQ(h.feed(hex("88 02 03 e8")), websocket_errc::closed);
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::closed);
  EXPECT_EQ(h.ws.peer_close_code(), 1000);
  EXPECT_TRUE(h.to_send.empty()) << "no second close frame";
}

TEST(ClientProtocol, ProtocolErrorsFailTheConnectionWithACloseFrame) {
  struct { const char* frames; websocket_errc error; const char* close; } table[] = {
      {"81 01 61", websocket_errc::text_frame, "88 02 03 eb"},             // 1003 [MQTT-6.0.0-1]
      {"82 81 00 00 00 00 61", websocket_errc::masked_server_frame, "88 02 03 ea"},  // 1002
      {"c2 00", websocket_errc::reserved_bits, "88 02 03 ea"},
      {"80 00", websocket_errc::bad_continuation, "88 02 03 ea"},
      {"88 01 00", websocket_errc::bad_close_frame, "88 02 03 ea"},
      {"82 7e 00 c8", websocket_errc::frame_too_large, "88 02 03 f1"},      // 1009
  };
  for (const auto& row : table) {
    harness h({.max_frame_payload = 100});
    ASSERT_FALSE(h.open());
    // A PINGRESP first: bytes before the bad frame are still delivered.
    EXPECT_EQ(h.feed(concat({hex("82 02 d0 00"), hex(row.frames)})), row.error) << row.frames;
    EXPECT_EQ(h.mqtt_in, hex("d0 00"));
    EXPECT_EQ(h.ws.current_state(), client_protocol::state::closed);
    auto frames = split_client_frames(h.to_send);
    ASSERT_EQ(frames.size(), 1u) << row.frames;
    EXPECT_EQ(to_hex(frames[0]), row.close) << row.frames;
    EXPECT_EQ(h.feed(hex("82 00")), websocket_errc::closed);
  }
}

TEST(ClientProtocol, HandshakeRefusalIsReportedWithItsStatus) {
  harness h;
  EXPECT_EQ(h.feed("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), websocket_errc::handshake_failed);
  EXPECT_EQ(h.ws.handshake().status(), 403);
  EXPECT_EQ(h.ws.handshake().reason(), "Forbidden");
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::closed);
  EXPECT_TRUE(h.to_send.empty()) << "no close frame without a WebSocket connection";

  harness wrong_key;
  EXPECT_EQ(wrong_key.feed(response_for("dGhlIHNhbXBsZSBub25jZQ==")), websocket_errc::bad_accept);
  harness no_mqtt;
  auto r = response_for(no_mqtt.key);
  r.replace(r.find("mqtt"), 4, "wamp");
  EXPECT_EQ(no_mqtt.feed(r), websocket_errc::no_mqtt_subprotocol);
}

TEST(ClientProtocol, LargeFrameAcrossManyReadsAndReset) {
  harness h;
  ASSERT_FALSE(h.open());
  bytes payload(100'000);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i);
  auto wire = concat({hex("82 7f 00 00 00 00 00 01 86 a0"), payload, hex("82 02 d0 00")});
  for (std::size_t at = 0; at < wire.size(); at += 1460) {
    auto end = std::min(wire.size(), at + 1460);
    ASSERT_FALSE(h.feed(bytes(wire.begin() + static_cast<std::ptrdiff_t>(at), wire.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  EXPECT_EQ(h.mqtt_in, concat({payload, hex("d0 00")}));
  // A ping of the largest size is answered whole.
  ASSERT_FALSE(h.feed(concat({hex("89 7d"), bytes(125, std::byte{9})})));
  EXPECT_EQ(split_client_frames(h.to_send).at(0), concat({hex("8a 7d"), bytes(125, std::byte{9})}));
  // reset: a new connection.
  h.ws.reset();
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::idle);
  bytes out;
  ASSERT_FALSE(h.ws.start({.host = "localhost", .port = 9001}, out));
  EXPECT_EQ(h.ws.current_state(), client_protocol::state::handshaking);
}

}  // namespace
}  // namespace tern::websocket::test::client_protocol_test
