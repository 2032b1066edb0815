// <tern/web/mqtt.hpp> includes no heavy standard header (<any> is its only
// one beyond the small ones), and the facade's own value types convert to
// and from the standard ones as documented. Built as its own translation
// unit (no unity build), so that the checks below see only what
// <tern/web/mqtt.hpp> included.
#include <tern/web/mqtt.hpp>

#if defined(_GLIBCXX_STRING) || defined(_GLIBCXX_STRING_VIEW) || defined(_GLIBCXX_FUNCTIONAL) || \
    defined(_GLIBCXX_CHRONO) || defined(_GLIBCXX_SYSTEM_ERROR) || defined(_GLIBCXX_MEMORY) ||     \
    defined(_GLIBCXX_VECTOR) || defined(_GLIBCXX_SPAN) || defined(_GLIBCXX_MAP) || defined(_GLIBCXX_VARIANT) || \
    defined(_GLIBCXX_OPTIONAL) || defined(ASIO_VERSION)
#error "<tern/web/mqtt.hpp> includes a heavy standard header or Asio"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tern::web {
namespace {

TEST(WebLightHeader, PayloadDataTakesTextBytesAndNumbers) {
  std::string s = "on";
  EXPECT_TRUE(payload_data(s).bytes() == "on");
  EXPECT_TRUE(payload_data(std::string_view("off")).bytes() == "off");
  EXPECT_TRUE(payload_data("lit").bytes() == "lit");
  EXPECT_TRUE(payload_data(static_cast<const char*>(nullptr)).bytes().empty());
  std::vector<std::byte> b{std::byte{0}, std::byte{255}};
  EXPECT_EQ(payload_data(b).bytes().size(), 2u);
  EXPECT_EQ(payload_data(std::span<const std::byte>(b)).bytes().data()[1], static_cast<char>(255));
  EXPECT_TRUE(payload_data(42).bytes() == "42");
  EXPECT_TRUE(payload_data(-7L).bytes() == "-7");
  EXPECT_TRUE(payload_data(18446744073709551615ULL).bytes() == "18446744073709551615");
  EXPECT_TRUE(payload_data(0.5).bytes() == "0.5");
}

TEST(WebLightHeader, MessageOwnsItsTextAndConvertsItsTime) {
  message m;
  {
    std::string topic = "a/very/long/topic/name/beyond/fifteen";
    m.topic = topic;
    m.payload = "hi";
  }
  message copy = m;
  EXPECT_EQ(std::string(copy.topic), "a/very/long/topic/name/beyond/fifteen");
  EXPECT_TRUE(copy.payload == "hi");
  EXPECT_EQ(copy.payload_bytes().size(), 2u);
  auto now = std::chrono::steady_clock::now();
  m.received = now;
  std::chrono::steady_clock::time_point back = m.received;
  EXPECT_EQ(back, now);
  EXPECT_TRUE(m.received == now);
  EXPECT_TRUE(m.received <= now && m.received >= now);
  EXPECT_TRUE(m.received < now + std::chrono::nanoseconds(1));
  EXPECT_EQ((now + std::chrono::milliseconds(3)) - m.received, std::chrono::milliseconds(3));  // a message's age
  // Another clock's time has another epoch: mixing them does not compile.
  static_assert(!std::is_convertible_v<std::chrono::system_clock::time_point, steady_time>);
  static_assert(!std::is_convertible_v<steady_time, std::chrono::system_clock::time_point>);
}

TEST(WebLightHeader, TopicListFindsByFilter) {
  topic_list l(2);
  l[0] = topic_qos{"a/#", 1};
  l[1] = topic_qos{"b", 0};
  ASSERT_TRUE(l.contains("a/#"));
  EXPECT_EQ(l.find("a/#")->qos, 1);
  EXPECT_FALSE(l.contains("a"));
  EXPECT_EQ(l.find("c"), nullptr);
  std::vector<topic_qos> v = l;
  EXPECT_EQ(v.size(), 2u);
  topic_list moved = std::move(l);
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_TRUE(l.empty());  // NOLINT: moved from
}

TEST(WebLightHeader, ResultNamesAreOneTable) {
  EXPECT_EQ(std::string_view(result_name(MQTT_ERR_QUEUED)), "MQTT_ERR_QUEUED");
  EXPECT_EQ(std::string_view(result_name(12345)), "MQTT_ERR_UNKNOWN");
  bool found = false;
  for (const auto& [name, value] : result_names()) found |= value == MQTT_ERR_NO_CONN && name == "MQTT_ERR_NO_CONN";
  EXPECT_TRUE(found);
}

TEST(WebLightHeader, HandlersWrittenForTheStandardTypesFit) {
  std::string line;
  mqtt::log_handler log = [&line](mqtt&, const std::any&, log_level, const std::string& buf) { line = buf; };
  std::vector<int> granted;
  mqtt::subscribe_handler sub = [&granted](mqtt&, const std::any&, message_id, const std::vector<int>& g) {
    granted = g;
  };
  EXPECT_TRUE(log);
  EXPECT_TRUE(sub);
  // Called through a facade in mqtt_test.cpp; here only that they convert.
  mqtt::handler_wrapper wrap = [](const std::function<void()>& call) { call(); };
  int ran = 0;
  wrap(callback<void()>([&ran] { ++ran; }));
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace tern::web
