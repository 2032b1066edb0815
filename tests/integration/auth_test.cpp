// User name and password against mosquitto with allow_anonymous false and a
// password file made by mosquitto_passwd -b. A refusal (CONNACK 4 or 5) is a
// permanent failure: surfaced as a connack_error, and no reconnect storm.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"

namespace tern::test::auth_test {
namespace {

class Auth : public broker_suite<Auth> {
 protected:
  static void SetUpTestSuite() {
    pw_dir_ = std::make_unique<temp_dir>("tern-passwd");
    auto file = pw_dir_->path() / "passwd";
    if (auto err = write_password_file(file, {{"alice", "s3cret"}}); !err.empty()) {
      start_error_ = err;
      return;
    }
    broker_config cfg;
    cfg.allow_anonymous = false;
    cfg.password_file = file.string();
    start_broker(std::move(cfg));
  }
  static void TearDownTestSuite() {
    broker_suite::TearDownTestSuite();
    pw_dir_.reset();
  }

  static client_options options(const std::string& id, std::optional<std::string> user,
                                std::optional<std::string> pass) {
    auto o = make_options(broker_->url(), id);
    o.connect.user_name = std::move(user);
    if (pass) o.connect.password = owned_bytes(*pass);
    return o;
  }

  // Connects with `o`, expects a refusal `allowed` and then quiet for 2 s.
  static void expect_refused_without_storm(client_options o, std::initializer_list<connack_error> allowed) {
    test_client c(o);
    auto r = c.connect();
    ASSERT_FALSE(r) << "the broker accepted the connection";
    auto ec = c->last_error();
    EXPECT_TRUE(std::any_of(allowed.begin(), allowed.end(), [&](connack_error e) { return ec == e; }))
        << "last_error() is '" << ec.message() << "' (" << ec.category().name() << " " << ec.value()
        << "), want a CONNACK refusal";
    {
      auto l = c.lock();
      ASSERT_EQ(c.disconnects.size(), 1u);
      EXPECT_EQ(c.disconnects[0], ec) << "on_disconnect carries the same reason";
    }
    EXPECT_FALSE(c->last_error_detail().empty());
    // The same CONNECT would be refused again: the client must not retry.
    std::this_thread::sleep_for(2s);
    auto l = c.lock();
    auto attempts = std::count_if(c.log.begin(), c.log.end(),
                                  [](const std::string& s) { return s.find("connecting to") != std::string::npos; });
    EXPECT_LE(attempts, 1) << "reconnect storm after a permanent refusal; log:\n" << [&] {
      std::string s;
      for (const auto& line : c.log) s += "  " + line + "\n";
      return s;
    }();
    EXPECT_EQ(c.disconnects.size(), 1u) << to_string(c.disconnects);
    EXPECT_TRUE(c.connects.empty());
  }

  static inline std::unique_ptr<temp_dir> pw_dir_;
};

TEST_F(Auth, GoodCredentialsConnect) {
  test_client c(options("auth-good", "alice", "s3cret"));
  ASSERT_TRUE(c.connect());
  ASSERT_TRUE(c.subscribe("auth/t", qos::at_least_once));
  ASSERT_TRUE(c.publish("auth/t", "hi", qos::at_least_once));
  ASSERT_TRUE(c.wait_messages(1));
}

TEST_F(Auth, GoodCredentialsWithMqtt31) {
  auto o = options("auth-good-31", "alice", "s3cret");
  o.connect.version = protocol_version::v3_1;
  test_client c(o);
  ASSERT_TRUE(c.connect());
}

TEST_F(Auth, WrongPasswordIsRefusedOnceWithoutReconnectStorm) {
  expect_refused_without_storm(options("auth-bad-pass", "alice", "wrong"),
                               {connack_error::bad_user_name_or_password, connack_error::not_authorized});
}

TEST_F(Auth, UnknownUserIsRefusedOnceWithoutReconnectStorm) {
  expect_refused_without_storm(options("auth-bad-user", "mallory", "s3cret"),
                               {connack_error::bad_user_name_or_password, connack_error::not_authorized});
}

TEST_F(Auth, AnonymousIsRefusedOnceWithoutReconnectStorm) {
  expect_refused_without_storm(options("auth-anon", std::nullopt, std::nullopt),
                               {connack_error::bad_user_name_or_password, connack_error::not_authorized});
}

}  // namespace
}  // namespace tern::test::auth_test
