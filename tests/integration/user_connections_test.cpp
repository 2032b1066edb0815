// One connection per signed-in user (tern::user_connections) against a
// mosquitto whose password file and ACL give each user a topic tree of their
// own: the broker, not the application, decides what each user reads.

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/eventually.hpp"
#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"
#include "tern/error.hpp"
#include "tern/store.hpp"
#include "tern/user_connections.hpp"

namespace tern::test::user_connections_test {
namespace {

using namespace std::chrono_literals;

class UserConnections : public broker_suite<UserConnections> {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<temp_dir>("tern-users");
    auto passwd = dir_->path() / "passwd";
    if (auto err = write_password_file(passwd, {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"admin", "admin-pw"}});
        !err.empty()) {
      start_error_ = err;
      return;
    }
    auto acl = dir_->path() / "acl";
    std::ofstream(acl) << "user admin\ntopic readwrite #\n"
                          "pattern readwrite users/%u/#\n";
    broker_config cfg;
    cfg.allow_anonymous = false;
    cfg.password_file = passwd.string();
    cfg.extra = {"acl_file " + acl.string()};
    start_broker(std::move(cfg));
  }
  static void TearDownTestSuite() {
    broker_suite::TearDownTestSuite();
    dir_.reset();
  }

  void SetUp() override {
    broker_suite::SetUp();
    threads_.emplace_back([this] { ctx_.run(); });
  }
  void TearDown() override {
    users_.reset();
    work_.reset();
    for (auto& t : threads_) t.join();
  }

  user_connections& users(std::chrono::milliseconds idle = 15min) {
    user_connections_options o;
    o.base = make_options(broker_->url(), "");
    o.idle_timeout = idle;
    users_ = std::make_unique<user_connections>(ctx_, std::move(o));
    return *users_;
  }

  /// Opens `user` and waits for the CONNACK; returns its return code (-1: none).
  int login(const std::string& user, const std::string& password, std::vector<std::string>* inbox = nullptr,
            std::mutex* m = nullptr) {
    auto rc = std::make_shared<std::atomic<int>>(-1);
    auto c = users_->open(user, owned_bytes(password), [&](client& c) {
      c.on_connect([rc](bool, int code) { *rc = code; });
      if (inbox)
        c.on_message([inbox, m](const message_received& msg) {
          std::lock_guard lock(*m);
          inbox->emplace_back(msg.topic);
        });
    });
    if (!c) return -2;
    eventually([&] { return *rc != -1; }, 5s);
    return *rc;
  }

  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{asio::make_work_guard(ctx_)};
  std::vector<std::thread> threads_;
  std::unique_ptr<user_connections> users_;
  static inline std::unique_ptr<temp_dir> dir_;
};

TEST_F(UserConnections, EachUserReadsOnlyWhatTheBrokerLetsThemRead) {
  users();
  std::mutex m;
  std::vector<std::string> alice_inbox, bob_inbox;
  ASSERT_EQ(login("alice", "alice-pw", &alice_inbox, &m), 0);
  ASSERT_EQ(login("bob", "bob-pw", &bob_inbox, &m), 0);
  // Both ask for everyone's messages; the broker's ACL gives each their own.
  for (auto user : {"alice", "bob"}) {
    std::promise<void> granted;
    users_->find(user)->subscribe({{"users/#", qos::at_least_once}},
                                  [&](std::error_code, std::vector<std::uint8_t>) { granted.set_value(); });
    ASSERT_EQ(granted.get_future().wait_for(5s), std::future_status::ready);
  }
  auto admin_options = make_options(broker_->url(), "admin");
  admin_options.connect.user_name = "admin";
  admin_options.connect.password = owned_bytes("admin-pw");
  test_client admin(admin_options);
  ASSERT_TRUE(admin.connect());
  for (auto topic : {"users/alice/news", "users/bob/news", "users/alice/mail"})
    ASSERT_TRUE(admin->publish(topic, "x", qos::at_least_once));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(m);
    return alice_inbox.size() == 2 && bob_inbox.size() == 1;
  }));
  std::this_thread::sleep_for(300ms);  // anything more would arrive by now
  std::lock_guard lock(m);
  EXPECT_EQ(alice_inbox, (std::vector<std::string>{"users/alice/news", "users/alice/mail"}));
  EXPECT_EQ(bob_inbox, (std::vector<std::string>{"users/bob/news"}));
}

TEST_F(UserConnections, AWrongPasswordIsTheBrokersRefusal) {
  users();
  int rc = login("alice", "guess");
  EXPECT_TRUE(rc == 4 || rc == 5) << rc;
  auto c = users_->find("alice");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->is_connected());
  EXPECT_TRUE(users_->close("alice"));
}

TEST_F(UserConnections, IdleConnectionsCloseAndUsedOnesStay) {
  users(400ms);
  ASSERT_EQ(login("alice", "alice-pw"), 0);
  ASSERT_EQ(login("bob", "bob-pw"), 0);
  auto bob = users_->find("bob");
  for (int i = 0; i < 15; ++i) {  // 1.5 s: alice is used, bob is not
    ASSERT_TRUE(users_->find("alice"));
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(users_->find("bob"), nullptr);
  EXPECT_EQ(users_->size(), 1u);
  auto alice = users_->find("alice");
  ASSERT_TRUE(alice) << "closed though used every 100 ms";
  EXPECT_TRUE(alice->is_connected());
  EXPECT_TRUE(eventually([&] { return !bob->is_connected(); }));
}

TEST_F(UserConnections, LogoutClosesAndASecondLoginReplacesTheFirst) {
  users();
  ASSERT_EQ(login("alice", "alice-pw"), 0);
  auto first = users_->find("alice");
  ASSERT_EQ(login("alice", "alice-pw"), 0);
  auto second = users_->find("alice");
  EXPECT_NE(first, second);
  EXPECT_TRUE(eventually([&] { return !first->is_connected(); }));
  EXPECT_EQ(users_->size(), 1u);
  EXPECT_TRUE(users_->close("alice"));
  EXPECT_FALSE(users_->close("alice"));
  EXPECT_EQ(users_->find("alice"), nullptr);
  EXPECT_TRUE(eventually([&] { return !second->is_connected(); }));
}

TEST_F(UserConnections, AStoreSharedByEveryUserIsRefused) {
  user_connections_options o;
  o.base = make_options(broker_->url(), "");
  o.base.store = std::make_shared<memory_store>();
  users_ = std::make_unique<user_connections>(ctx_, std::move(o));
  auto r = users_->open("alice", owned_bytes("alice-pw"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_argument);
}

TEST_F(UserConnections, UserNamesThatWouldWidenATopicRuleAreRefused) {
  users();
  for (std::string bad : {"", "a/b", "+", "#", "tab\tname"}) {
    auto r = users_->open(bad, owned_bytes("x"));
    ASSERT_FALSE(r) << "'" << bad << "'";
    EXPECT_EQ(r.error(), errc::invalid_argument);
  }
  EXPECT_EQ(users_->size(), 0u);
}

}  // namespace
}  // namespace tern::test::user_connections_test
