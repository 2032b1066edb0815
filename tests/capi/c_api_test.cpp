// The C API (<tern/tern.h>): its C scenarios against a private mosquitto,
// and what each function answers to bad arguments, before init_app and
// offline (no broker needed for those).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>

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
  std::promise<void> destroyed;
  tern_mqtt* m = tern_mqtt_new(0);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(tern_mqtt_config_set(m, "MQTT_BROKER_PORT", std::to_string(broker_->port()).c_str()), TERN_ERR_SUCCESS);
  ASSERT_EQ(tern_mqtt_init_app(m, nullptr), TERN_ERR_SUCCESS);
  // Registered while connected, an on_connect handler is called at once.
  ASSERT_NE(tern_mqtt_on_connect(
                m,
                [](tern_mqtt* self, void* done, int, int) {
                  tern_mqtt_destroy(self);
                  static_cast<std::promise<void>*>(done)->set_value();
                },
                &destroyed),
            0u);
  EXPECT_EQ(destroyed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
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
            "tern_mqtt_config_set: MQTT_KEEPALIVE: set after tern_mqtt_init_app, which has read the configuration");
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
  object o(TERN_CONNECT_ASYNC);
  offline_config(o.m);
  struct lines {
    std::atomic<int> warnings{0}, others{0};
    std::atomic<bool> named{false};
  } seen;
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
