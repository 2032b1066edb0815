// The C API (<tern/tern.h>): its C scenarios against a private mosquitto,
// and what each function answers to bad arguments, before init_app and
// offline (no broker needed for those).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tern/tern.h>

#include "broker_suite.hpp"
#include "c_scenario.h"
#include "../common/eventually.hpp"

namespace {

using tern::test::eventually;
using tern::test::free_port;

std::string error_detail(const tern_mqtt* m) {
  std::string s(tern_mqtt_error_detail(m, nullptr, 0), '\0');
  tern_mqtt_error_detail(m, s.data(), s.size() + 1);
  return s;
}

struct object {
  explicit object(unsigned flags = 0) : m(tern_mqtt_new(flags)) {}
  ~object() { tern_mqtt_destroy(m); }
  object(const object&) = delete;
  object& operator=(const object&) = delete;
  tern_mqtt* m;
};

// A port nothing listens on, connected to without waiting: the object stays offline.
void offline_config(tern_mqtt* m) {
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_BROKER_URL", "127.0.0.1"), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_BROKER_PORT", std::to_string(free_port()).c_str()), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_RECONNECT_DELAY_MIN", "0.05"), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_RECONNECT_DELAY_MAX", "0.1"), TERN_ERR_SUCCESS);
}

class CApiBroker : public tern::test::broker_suite<CApiBroker> {
 protected:
  static void SetUpTestSuite() { start_broker({}); }
};

TEST_F(CApiBroker, ACProgramConnectsSubscribesPublishesAndReceivesOnTheHandlerThread) {
  const char* failed = tern_c_scenario_own_thread(broker_->port());
  EXPECT_EQ(failed, nullptr) << failed;
}

TEST_F(CApiBroker, ACProgramRunsTheHandlersItselfFromAPollLoop) {
  const char* failed = tern_c_scenario_external_dispatch(broker_->port());
  EXPECT_EQ(failed, nullptr) << failed;
}

// A handler may destroy its own object: the rest goes when it returns. (The
// handler is registered once init_app has returned: no call on the object may
// be under way on another thread when it is destroyed.)
TEST_F(CApiBroker, AHandlerMayDestroyItsObject) {
  static std::atomic<bool> destroyed{false};  // static: outlives a failed wait
  tern_mqtt* m = tern_mqtt_new(0);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_BROKER_PORT", std::to_string(broker_->port()).c_str()), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_init_app(m, nullptr), TERN_ERR_SUCCESS);
  // Registered while connected, an on_connect handler is called at once.
  ASSERT_NE(tern_mqtt_on_connect(
                m,
                [](tern_mqtt* self, void*, int, int) {
                  tern_mqtt_destroy(self);
                  destroyed = true;
                },
                nullptr),
            0u);
  EXPECT_TRUE(eventually([] { return destroyed.load(); }));
}

// Another thread may publish while init_app runs: it gets NO_CONN until the
// client exists, then SUCCESS (the ThreadSanitizer pass checks the hand-over).
TEST_F(CApiBroker, PublishingWhileInitAppRunsOnAnotherThreadIsSafe) {
  object o;
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_BROKER_PORT", std::to_string(broker_->port()).c_str()), TERN_ERR_SUCCESS);
  std::atomic<int> last{TERN_ERR_NO_CONN};
  std::atomic<bool> init_done{false};
  std::thread publisher([&] {
    int rc = TERN_ERR_NO_CONN;
    tern_status st{};
    while (rc == TERN_ERR_NO_CONN && !init_done) {
      rc = tern_mqtt_publish(o.m, "c/api/race", "x", 1, 0, 0, nullptr);
      (void)tern_mqtt_status(o.m, &st);
      (void)tern_mqtt_connection_error(o.m, nullptr, 0);
    }
    last = rc;
  });
  EXPECT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_SUCCESS);
  init_done = true;
  publisher.join();
  EXPECT_TRUE(last == TERN_ERR_NO_CONN || last == TERN_ERR_SUCCESS || last == TERN_ERR_QUEUED) << last;
}

TEST(CApi, VersionAndResultNames) {
  EXPECT_STREQ(tern_version(), TERN_TEST_VERSION);
  EXPECT_STREQ(tern_result_name(TERN_ERR_SUCCESS), "MQTT_ERR_SUCCESS");
  EXPECT_STREQ(tern_result_name(TERN_ERR_QUEUE_SIZE), "MQTT_ERR_QUEUE_SIZE");
  EXPECT_STREQ(tern_result_name(TERN_ERR_QUEUED), "MQTT_ERR_QUEUED");
  EXPECT_STREQ(tern_result_name(TERN_ERR_AGAIN), "MQTT_ERR_AGAIN");
  EXPECT_STREQ(tern_result_name(12345), "MQTT_ERR_UNKNOWN");
}

TEST(CApi, NewRefusesUnknownFlags) {
  EXPECT_EQ(tern_mqtt_new(0x80), nullptr);
  object o(TERN_CONNECT_ASYNC | TERN_MQTT_LOGGING | TERN_EXTERNAL_DISPATCH);
  EXPECT_NE(o.m, nullptr);
}

TEST(CApi, ANullObjectIsRefusedEverywhere) {
  tern_status st{};
  char buf[8] = "x";
  uint16_t mid = 7;
  auto cb = [](tern_mqtt*, void*, uint16_t) {};
  tern_mqtt_destroy(nullptr);
  EXPECT_EQ(tern_mqtt_config_set(nullptr, "MQTT_KEEPALIVE", "5"), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_config_from_env(nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_config_from_file(nullptr, "x.json"), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_init_app(nullptr, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_disconnect(nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_stop(nullptr, 0), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_on_publish(nullptr, cb, nullptr), 0u);
  EXPECT_EQ(tern_mqtt_remove_handler(nullptr, 1), 0);
  EXPECT_EQ(tern_mqtt_publish(nullptr, "t", "p", 1, 0, 0, &mid), TERN_ERR_INVAL);
  EXPECT_EQ(mid, 0);
  EXPECT_EQ(tern_mqtt_subscribe(nullptr, "t", 0, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_unsubscribe(nullptr, "t", nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_status(nullptr, &st), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_client_id(nullptr, buf, sizeof buf), 0u);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(tern_mqtt_dispatch_fd(nullptr), -1);
  EXPECT_EQ(tern_mqtt_run_pending(nullptr, 0), 0u);
}

TEST(CApi, NullArgumentsAreInvalidAndSaySo) {
  object o;
  uint16_t mid = 7;
  EXPECT_EQ(tern_mqtt_config_set(o.m, nullptr, "x"), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_config_set(o.m, "", "x"), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_config_from_file(o.m, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_publish(o.m, nullptr, "p", 1, 0, 0, &mid), TERN_ERR_INVAL);
  EXPECT_EQ(mid, 0);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_publish: the topic is NULL");
  EXPECT_EQ(tern_mqtt_publish(o.m, "t", nullptr, 3, 0, 0, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_publish: the payload is NULL but its length is not 0");
  EXPECT_EQ(tern_mqtt_subscribe(o.m, nullptr, 0, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_unsubscribe(o.m, nullptr, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(tern_mqtt_on_message(o.m, nullptr, nullptr), 0u);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_on_message: the handler is NULL");
  EXPECT_EQ(tern_mqtt_on_topic(o.m, nullptr, [](tern_mqtt*, void*, const tern_message*) {}, nullptr), 0u);
  EXPECT_EQ(tern_mqtt_status(o.m, nullptr), TERN_ERR_INVAL);
}

TEST(CApi, BeforeInitAppPublishAndStopHaveNoConnection) {
  object o;
  uint16_t mid = 7;
  tern_status st{};
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", "p", 1, 1, 0, &mid), TERN_ERR_NO_CONN);
  EXPECT_EQ(mid, 0);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_publish: called before tern_mqtt_init_app");
  EXPECT_EQ(tern_mqtt_disconnect(o.m), TERN_ERR_NO_CONN);
  EXPECT_EQ(tern_mqtt_stop(o.m, 0), TERN_ERR_NO_CONN);
  EXPECT_EQ(tern_mqtt_status(o.m, &st), TERN_ERR_SUCCESS);
  EXPECT_EQ(st.connected, 0);
  EXPECT_EQ(st.last_connack_code, -1);
  EXPECT_EQ(tern_mqtt_client_id(o.m, nullptr, 0), 0u);
  EXPECT_EQ(tern_mqtt_dispatch_fd(o.m), -1);
}

TEST(CApi, InvalidTopicsFiltersAndQosSayWhy) {
  object o;
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/+/b", "p", 1, 0, 0, nullptr), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("tern_mqtt_publish: topic: "), std::string::npos) << error_detail(o.m);
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", "p", 1, 3, 0, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_publish: qos must be 0, 1 or 2, not 3");
  EXPECT_EQ(tern_mqtt_subscribe(o.m, "a/#/b", 0, nullptr), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("tern_mqtt_subscribe: filter: "), std::string::npos) << error_detail(o.m);
  EXPECT_EQ(tern_mqtt_subscribe(o.m, "a/b", -1, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_subscribe: qos must be 0, 1 or 2, not -1");
  EXPECT_EQ(tern_mqtt_on_topic(o.m, "a/#/b", [](tern_mqtt*, void*, const tern_message*) {}, nullptr), 0u);
  EXPECT_NE(error_detail(o.m).find("tern_mqtt_on_topic: "), std::string::npos);
  EXPECT_EQ(tern_mqtt_unsubscribe(o.m, "never/subscribed", nullptr), TERN_ERR_NOT_FOUND);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_unsubscribe: never/subscribed: not subscribed");
}

// [MQTT-2.2.3]: the remaining length is at most 268,435,455; the payload is
// measured before it is read, so a length beyond the buffer is never touched.
TEST(CApi, APublishBeyondMqttsLengthIsAPayloadSizeError) {
  object o;
  char byte = 0;
  uint16_t mid = 7;
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", &byte, 268'435'455, 0, 0, &mid), TERN_ERR_PAYLOAD_SIZE);
  EXPECT_EQ(mid, 0);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_publish: the PUBLISH would exceed MQTT's 268,435,455 bytes");
  // Topic (2 + 3 bytes) and packet id (2) leave 268,435,448 for a QoS 1 payload.
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", &byte, 268'435'449, 1, 0, nullptr), TERN_ERR_PAYLOAD_SIZE);
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", &byte, static_cast<size_t>(-1), 0, 0, nullptr), TERN_ERR_PAYLOAD_SIZE);
}

TEST(CApi, AConfigurationErrorNamesTheKeyAndCanBeMended) {
  object o(TERN_CONNECT_ASYNC);
  offline_config(o.m);
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALIVE", "forever"), TERN_ERR_SUCCESS);
  EXPECT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("tern_mqtt_init_app: MQTT_KEEPALIVE"), std::string::npos) << error_detail(o.m);

  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALIVE", nullptr), TERN_ERR_SUCCESS);  // back to the default
  EXPECT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_SUCCESS);
  EXPECT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m), "tern_mqtt_init_app: called twice");
  EXPECT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALIVE", "5"), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m),
            "tern_mqtt_config_set: MQTT_KEEPALIVE: too late: tern_mqtt_init_app has read the configuration");
  EXPECT_EQ(tern_mqtt_config_from_env(o.m), TERN_ERR_INVAL);
}

TEST(CApi, TheEnvironmentIsReadUnderThePrefixGiven) {
  ASSERT_EQ(::setenv("TERNCAPI_KEEPALIVE", "soon", 1), 0);
  object o(TERN_CONNECT_ASYNC);
  EXPECT_EQ(tern_mqtt_config_from_env(o.m), TERN_ERR_SUCCESS);
  ::unsetenv("TERNCAPI_KEEPALIVE");
  EXPECT_EQ(tern_mqtt_init_app(o.m, "TERNCAPI"), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("TERNCAPI_KEEPALIVE"), std::string::npos) << error_detail(o.m);
}

TEST(CApi, AConfigurationFileIsReadOrTheErrorNamesIt) {
  object o(TERN_CONNECT_ASYNC);
  EXPECT_EQ(tern_mqtt_config_from_file(o.m, "/nonexistent/tern.json"), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("/nonexistent/tern.json"), std::string::npos) << error_detail(o.m);

  tern::test::temp_dir dir;
  auto bad = (dir.path() / "bad.json").string();
  std::ofstream(bad) << "{\"MQTT_KEEPALIVE\": 30,,}";
  EXPECT_EQ(tern_mqtt_config_from_file(o.m, bad.c_str()), TERN_ERR_INVAL);
  EXPECT_NE(error_detail(o.m).find("bad.json"), std::string::npos) << error_detail(o.m);

  auto good = (dir.path() / "tern.ini").string();
  std::ofstream(good) << "MQTT_KEEPALIVE = -4\n";
  EXPECT_EQ(tern_mqtt_config_from_file(o.m, good.c_str()), TERN_ERR_SUCCESS);
  EXPECT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_INVAL);  // the file's value was read
  EXPECT_NE(error_detail(o.m).find("MQTT_KEEPALIVE"), std::string::npos) << error_detail(o.m);
}

TEST(CApi, OfflinePublishesAreQueuedAndTheConnectionErrorIsKept) {
  object o(TERN_CONNECT_ASYNC);
  offline_config(o.m);
  ASSERT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_SUCCESS);
  uint16_t mid = 0;
  EXPECT_EQ(tern_mqtt_publish(o.m, "a/b", "x", 1, 1, 0, &mid), TERN_ERR_QUEUED);
  EXPECT_NE(mid, 0);
  tern_status st{};
  ASSERT_EQ(tern_mqtt_status(o.m, &st), TERN_ERR_SUCCESS);
  EXPECT_EQ(st.connected, 0);
  EXPECT_EQ(st.queued, 1u);
  EXPECT_TRUE(eventually([&] { return tern_mqtt_connection_error(o.m, nullptr, 0) > 0; }));
  char text[256];
  tern_mqtt_connection_error(o.m, text, sizeof text);
  EXPECT_NE(std::string(text).find("refused"), std::string::npos) << text;
}

// Once init_app has copied the configuration, a change would be lost: it is
// refused, on any thread, even while init_app still waits for the broker.
TEST(CApi, AConfigurationChangeWhileInitAppRunsIsRefused) {
  // A listener that never accepts: the CONNECT goes unanswered, so init_app
  // waits for MQTT_CONNECTION_TIMEOUT (1 s) at least.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  object o;
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_BROKER_PORT", std::to_string(ntohs(addr.sin_port)).c_str()),
            TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_CONNECTION_TIMEOUT", "1"), TERN_ERR_SUCCESS);
  std::atomic<bool> returned{false};
  std::thread init([&] {
    (void)tern_mqtt_init_app(o.m, nullptr);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(returned.load());  // still waiting: the check below is during init_app
  EXPECT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALIVE", "5"), TERN_ERR_INVAL);
  EXPECT_EQ(error_detail(o.m),
            "tern_mqtt_config_set: MQTT_KEEPALIVE: too late: tern_mqtt_init_app has read the configuration");
  init.join();
  ::close(fd);
}

// With external dispatch, run_pending from a handler would run the next
// event inside this one: it runs nothing and answers 0.
TEST(CApi, RunPendingFromAHandlerRunsNothing) {
  struct calls {
    std::atomic<int> handlers{0};
    std::atomic<std::size_t> nested{99};
  } seen;
  object o(TERN_EXTERNAL_DISPATCH | TERN_CONNECT_ASYNC);
  offline_config(o.m);
  ASSERT_NE(tern_mqtt_on_log(
                o.m, TERN_LOG_WARNING,
                [](tern_mqtt* m, void* p, int, const char*) {
                  auto& s = *static_cast<calls*>(p);
                  if (s.handlers++ == 0) s.nested = tern_mqtt_run_pending(m, 0);
                },
                &seen),
            0u);
  // Two unknown keys: two WARNING lines wait once init_app returns.
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALVE", "30"), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_CLEAN_SESION", "1"), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_SUCCESS);
  EXPECT_EQ(tern_mqtt_run_pending(o.m, 1), 1u);
  EXPECT_EQ(seen.nested, 0u);
  EXPECT_EQ(seen.handlers, 1);
  EXPECT_TRUE(eventually([&] {
    (void)tern_mqtt_run_pending(o.m, 0);
    return seen.handlers == 2;
  }));
}

TEST(CApi, TextOutIsCutShortLikeSnprintf) {
  object o;
  (void)tern_mqtt_subscribe(o.m, "a/b", 5, nullptr);
  const std::string whole = "tern_mqtt_subscribe: qos must be 0, 1 or 2, not 5";
  char buf[8] = "unused";
  EXPECT_EQ(tern_mqtt_error_detail(o.m, buf, 0), whole.size());
  EXPECT_STREQ(buf, "unused");  // size 0: nothing written
  EXPECT_EQ(tern_mqtt_error_detail(o.m, buf, sizeof buf), whole.size());
  EXPECT_EQ(std::string(buf), whole.substr(0, 7));
  EXPECT_EQ(tern_mqtt_error_detail(o.m, buf, 1), whole.size());
  EXPECT_STREQ(buf, "");
}

TEST(CApi, LogHandlersTakeTheirLevelsOnlyAndCanBeRemoved) {
  struct lines {
    std::atomic<int> warnings{0}, others{0};
    std::atomic<bool> named{false};
  } seen;  // before the object: its handlers may run until it is destroyed
  object o(TERN_CONNECT_ASYNC);
  offline_config(o.m);
  auto cb = [](tern_mqtt*, void* p, int level, const char* text) {
    auto& s = *static_cast<lines*>(p);
    if (level != TERN_LOG_WARNING) {
      ++s.others;
      return;
    }
    if (std::string(text).find("MQTT_KEEPALIVE") != std::string::npos) s.named = true;
    ++s.warnings;
  };
  EXPECT_EQ(tern_mqtt_on_log(o.m, 0, cb, &seen), 0u);
  EXPECT_EQ(tern_mqtt_on_log(o.m, 0x20, cb, &seen), 0u);
  EXPECT_NE(error_detail(o.m).find("TERN_LOG_"), std::string::npos);
  uint64_t id = tern_mqtt_on_log(o.m, TERN_LOG_WARNING, cb, &seen);
  ASSERT_NE(id, 0u);
  ASSERT_EQ(tern_mqtt_config_set(o.m, "MQTT_KEEPALVE", "30"), TERN_ERR_SUCCESS);  // a typo: one WARNING
  ASSERT_EQ(tern_mqtt_init_app(o.m, nullptr), TERN_ERR_SUCCESS);
  EXPECT_TRUE(eventually([&] { return seen.named.load(); }));
  EXPECT_EQ(seen.others, 0);
  EXPECT_EQ(tern_mqtt_remove_handler(o.m, id), 1);
  EXPECT_EQ(tern_mqtt_remove_handler(o.m, id), 0);
}

}  // namespace
