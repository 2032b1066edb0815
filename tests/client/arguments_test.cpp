// Bad arguments fail at the call, with errors that say they are argument
// errors; every publish entry point takes text as well as bytes; a
// configuration error no retry can fix stops the retries.

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <asio/use_future.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "../common/eventually.hpp"
#include "fake_broker.hpp"
#include "options_for.hpp"
#include "tern/client_options.hpp"
#include "tern/client_async.hpp"

namespace tern::test::arguments_test {
namespace {

using namespace std::chrono_literals;
using bytes = fake_broker::bytes;

std::size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4096;
}

// 300 MB the test never touches: mapped, not resident, reading it gives zeros.
struct big_region {
  static constexpr std::size_t size = 300u << 20;
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ~big_region() { ::munmap(p, size); }
  std::string_view text() const { return {static_cast<const char*>(p), size}; }
  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(p), size}; }
};

TEST(ClientArguments, APayloadNoPacketCanCarryIsRefusedBeforeItIsCopied) {
  // Before: publish() returned an id, copied the 300 MB, and failed later
  // through on_log and the completion.
  big_region big;
  ASSERT_NE(big.p, MAP_FAILED);
  client c(options_for(1));
  auto before = rss_bytes();
  EXPECT_EQ(c.publish("t", big.text()).error(), errc::payload_too_large);
  EXPECT_EQ(c.publish("t", big.bytes(), qos::at_least_once, false).error(), errc::payload_too_large);
  std::atomic<int> completions{0};
  EXPECT_EQ(c.publish("t", big.text(), qos::at_most_once, false, [&](std::error_code, message_id) { ++completions; })
                .error(),
            errc::payload_too_large);
  c.start();
  auto f = tern::async_publish(c, "t", big.bytes(), qos::at_least_once, false, asio::use_future);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  // Joined first: the I/O thread drops its share of the future's state (and
  // so of the exception in it) before this thread reads the exception.
  // libstdc++ counts an exception's references where ThreadSanitizer cannot
  // see it, so a last release on the I/O thread reads as a race.
  c.stop();
  try {
    f.get();
    ADD_FAILURE() << "async_publish of 300 MB succeeded";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::payload_too_large);
  }
  EXPECT_LT(rss_bytes() - before, std::size_t{32} << 20) << "the payload was copied";
  EXPECT_EQ(completions.load(), 0);  // refused at the call: no completion besides the error
  EXPECT_NE(make_error_code(errc::payload_too_large).message().find("invalid argument"), std::string::npos);
}

TEST(ClientArguments, AQosOutOfRangeIsAnArgumentError) {
  // Before: "malformed packet: QoS 3 is not a valid quality of service", the
  // wording for bad wire data.
  client c(options_for(1));
  auto r = c.publish("t", "x", static_cast<qos>(3));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_qos_argument);
  EXPECT_EQ(r.error().message(), "invalid argument: QoS must be 0, 1 or 2");
  EXPECT_EQ(c.subscribe("t", static_cast<qos>(7)).error(), errc::invalid_qos_argument);
  EXPECT_NE(make_error_code(errc::invalid_qos).message(), r.error().message());
}

TEST(ClientArguments, EveryPublishTakesTextAndBytes) {
  // Before: publish(..., done) and async_publish took std::vector<std::byte>
  // only (17-24 lines of template errors for a std::string), and so did the Will.
  std::mutex m;
  std::vector<std::string> payloads;
  std::string will_payload;
  fake_broker broker([&](const packet_view& p) -> bytes {
    std::lock_guard lock(m);
    if (auto* c = std::get_if<connect_view>(&p)) {
      if (c->will) will_payload.assign(reinterpret_cast<const char*>(c->will->payload.data()), c->will->payload.size());
      return fake_broker::wire(connack_view{false, 0});
    }
    if (auto* pub = std::get_if<publish_view>(&p)) {
      payloads.emplace_back(reinterpret_cast<const char*>(pub->payload.data()), pub->payload.size());
      if (pub->qos == qos::at_least_once) return fake_broker::wire(puback{pub->packet_id});
    }
    return {};
  });
  auto o = options_for(broker.port());
  o.connect.will = will{"w", "gone", qos::at_most_once, false};
  o.connect.will->payload = std::string("offline");
  client c(o);
  c.connect();
  std::string text = "string";
  std::vector<std::byte> vec{std::byte{'v'}, std::byte{'e'}, std::byte{'c'}};
  auto noop = [](std::error_code, message_id) {};
  EXPECT_TRUE(c.publish("t", text, qos::at_least_once, false, noop));
  EXPECT_TRUE(c.publish("t", std::string_view("view"), qos::at_least_once, false, noop));
  EXPECT_TRUE(c.publish("t", "literal", qos::at_least_once, false, noop));
  EXPECT_TRUE(c.publish("t", vec, qos::at_least_once, false, noop));
  auto f1 = tern::async_publish(c, "t", std::string("async string"), qos::at_least_once, false, asio::use_future);
  auto f2 = tern::async_publish(c, "t", std::span<const std::byte>(vec), qos::at_least_once, false, asio::use_future);
  auto f3 = tern::async_publish(c, "t", std::move(vec), qos::at_least_once, false, asio::use_future);
  for (auto* f : {&f1, &f2, &f3}) {
    ASSERT_EQ(f->wait_for(5s), std::future_status::ready);
    EXPECT_GT(f->get(), 0u);
  }
  c.stop();
  std::lock_guard lock(m);
  EXPECT_EQ(payloads, (std::vector<std::string>{"string", "view", "literal", "vec", "async string", "vec", "vec"}));
  EXPECT_EQ(will_payload, "offline");
}

TEST(ClientArguments, UnreadableTlsFilesStopTheRetries) {
  // Before: "reconnecting in 728 ms", "1402 ms", ... forever.
  client_options o;
  o.brokers = {"mqtts://127.0.0.1:1"};
  o.tls.ca_file = "/nonexistent/ca.pem";
  o.reconnect.enabled = true;
  o.reconnect.min_delay = 20ms;
  o.reconnect.max_delay = 40ms;
  std::atomic<int> failures{0};
  std::mutex m;
  std::vector<std::string> log;
  client c(o);
  c.on_disconnect([&](std::error_code) { ++failures; });
  c.on_log([&](log_level, std::string_view t) {
    std::lock_guard lock(m);
    log.emplace_back(t);
  });
  c.connect();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(c.last_error(), transport_errc::tls_setup_failed);
  EXPECT_NE(std::string(c.last_error_detail()).find("/nonexistent/ca.pem"), std::string::npos) << c.last_error_detail();
  std::lock_guard lock(m);
  bool said = false;
  for (const auto& l : log) said |= l.find("not retrying") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(ClientArguments, AReadIntervalOutsideZeroToASecondIsAConfigurationError) {
  // Before: 2 s (microseconds taken for milliseconds, say) was taken, and a
  // PINGRESP could then wait 2 s to be read; a negative one was taken as
  // off. The facade's MQTT_READ_INTERVAL has the same bounds.
  fake_broker broker([](const packet_view& p) -> bytes {
    return std::holds_alternative<connect_view>(p) ? fake_broker::wire(connack_view{false, 0}) : bytes{};
  });
  auto o = options_for(broker);
  for (auto bad : {std::chrono::microseconds(2s), std::chrono::microseconds(-1)}) {
    o.read_interval = bad;
    std::atomic<int> refused{0}, other{0};
    client c(o);
    c.on_disconnect([&](std::error_code ec) { ++(ec == errc::invalid_argument ? refused : other); });
    c.connect();
    ASSERT_TRUE(eventually([&] { return refused.load() == 1; })) << bad.count();
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(c.last_error(), errc::invalid_argument);
    EXPECT_NE(std::string(c.last_error_detail()).find("read_interval"), std::string::npos) << c.last_error_detail();
  }
  EXPECT_EQ(broker.connections(), 0);

  o.read_interval = 1s;  // the bound itself is taken
  std::atomic<int> connects{0};
  client at_bound(o);
  at_bound.on_connect([&](bool, int rc) { connects += rc == 0; });
  at_bound.connect();
  EXPECT_TRUE(eventually([&] { return connects.load() == 1; }));
}

}  // namespace
}  // namespace tern::test::arguments_test
