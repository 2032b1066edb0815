#pragma once
// A scripted in-memory broker and a fake clock for the session tests. The
// "broker" side decodes every byte the session hands out with the codec, so
// tests can assert both on exact bytes and on decoded packets.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../common/hex.hpp"
#include "tern/codec.hpp"
#include "tern/session.hpp"

namespace tern::test {

using namespace std::chrono_literals;

inline std::vector<std::byte> wire(const packet_view& p) {
  std::vector<std::byte> out;
  EXPECT_FALSE(codec::encode_to(p, out));
  return out;
}

inline std::vector<std::byte> payload(std::string_view s) {
  auto b = as_bytes(s);
  return {b.begin(), b.end()};
}

/// Client id "c1", clean session, keep-alive 60 s.
inline connect_options default_options(protocol_version v = protocol_version::v3_1_1) {
  connect_options o;
  o.client_id = "c1";
  o.version = v;
  return o;
}

/// One session, its actions and a clock that moves only when told to.
class harness {
 public:
  explicit harness(session_options so = {}) : s(so) {}

  clock::time_point now{} ;
  session s;
  std::vector<action> out;

  void advance(clock::duration d) { now += d; }

  std::error_code connect(connect_options o = test::default_options()) {
    out.clear();
    version = o.version;
    return s.connect(o, now, out);
  }
  static connect_options default_options(protocol_version v = protocol_version::v3_1_1) {
    return test::default_options(v);
  }
  /// Connects and accepts with CONNACK(session_present, 0).
  void open(connect_options o = test::default_options(), bool session_present = false) {
    ASSERT_FALSE(connect(o));
    feed(wire(connack_view{session_present, 0}));
    ASSERT_TRUE(s.is_connected());
  }

  void feed(bytes_view b) {
    out.clear();
    s.on_bytes(b, now, out);
  }
  void feed(const packet_view& p) { feed(wire(p)); }
  void timer() {
    out.clear();
    s.on_timer(now, out);
  }
  result<message_id> publish(std::string topic, std::string_view body, tern::qos q, bool retain = false) {
    out.clear();
    return s.publish(message{std::move(topic), payload(body), q, retain}, now, out);
  }
  void link_lost() {
    out.clear();
    s.on_link_lost(errc::link_lost, now, out);
  }

  /// Each send_bytes of the last call as one contiguous packet.
  std::vector<std::vector<std::byte>> sent() const {
    std::vector<std::vector<std::byte>> r;
    for (const auto& a : out)
      if (const auto* sb = std::get_if<send_bytes>(&a)) {
        std::vector<std::byte> b(sb->head.begin(), sb->head.end());
        b.insert(b.end(), sb->payload.begin(), sb->payload.end());
        r.push_back(std::move(b));
      }
    return r;
  }
  std::vector<std::string> sent_hex() const {
    std::vector<std::string> r;
    for (const auto& b : sent()) r.push_back(to_hex(b));
    return r;
  }
  /// The packets of the last call, decoded (the session must send only valid packets).
  std::vector<packet_view> sent_packets() {
    keep_ = sent();
    std::vector<packet_view> r;
    for (const auto& b : keep_) {
      auto f = codec::frame_reader().next(b);
      EXPECT_TRUE(std::holds_alternative<codec::frame>(f));
      auto p = codec::parse(std::get<codec::frame>(f), version);
      EXPECT_TRUE(p) << p.error().message();
      if (p) r.push_back(*p);
    }
    return r;
  }
  template <class T>
  std::vector<T> events() const {
    std::vector<T> r;
    for (const auto& a : out)
      if (const auto* e = std::get_if<T>(&a)) r.push_back(*e);
    return r;
  }
  template <class T>
  std::size_t count() const {
    return events<T>().size();
  }
  /// The reason of the connection_closed in the last call, or a default code.
  std::error_code closed() const {
    auto c = events<connection_closed>();
    return c.empty() ? std::error_code{} : c.back().reason;
  }
  bool logged(log_level level, std::string_view needle) const {
    for (const auto& l : events<log_line>())
      if (l.level == level && l.text.find(needle) != std::string_view::npos) return true;
    return false;
  }

  protocol_version version = protocol_version::v3_1_1;

 private:
  std::vector<std::vector<std::byte>> keep_;
};

inline const protocol_version both_versions[] = {protocol_version::v3_1_1, protocol_version::v3_1};

inline std::string version_name(const ::testing::TestParamInfo<protocol_version>& i) {
  return i.param == protocol_version::v3_1 ? "v3_1" : "v3_1_1";
}

}  // namespace tern::test
