// tern-pub and tern-sub against each other and against mosquitto_pub and
// mosquitto_sub. Subscribers run in the background; a publisher starts only
// once mosquitto's log shows the subscription (log_type subscribe).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <memory>
#include <string>

#include "broker.hpp"
#include "broker_suite.hpp"
#include "harness.hpp"

namespace tern::test::tools_test {
namespace {

class Tools : public broker_suite<Tools> {
 protected:
  static void SetUpTestSuite() { start_broker({}); }
  void SetUp() override {
    broker_suite::SetUp();
    if (HasFatalFailure()) return;
    tern_pub_ = tool_path("TERN_PUB", "../../tools/tern-pub");
    tern_sub_ = tool_path("TERN_SUB", "../../tools/tern-sub");
    ASSERT_EQ(::access(tern_pub_.c_str(), X_OK), 0) << tern_pub_ << " missing: build tools/tern-pub";
    ASSERT_EQ(::access(tern_sub_.c_str(), X_OK), 0) << tern_sub_ << " missing: build tools/tern-sub";
  }

  // -h/-p for our broker, then `args`.
  std::vector<std::string> cmd(const std::string& exe, std::vector<std::string> args) const {
    std::vector<std::string> v{exe, "-h", "127.0.0.1", "-p", std::to_string(broker_->port())};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }

  // Starts a subscriber (tern-sub or mosquitto_sub) with client id `id`
  // and waits until the broker logged its subscription to `topic` at `q`.
  void start_subscriber(process& p, const std::string& exe, const std::string& id, const std::string& topic, int q,
                        std::vector<std::string> extra) {
    std::vector<std::string> args{"-i", id, "-t", topic, "-q", std::to_string(q)};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(p.spawn({cmd(exe, args), broker_->dir() / (id + ".out"), broker_->dir() / (id + ".err"), {}}))
        << p.error();
    // mosquitto logs "<id> <qos> <filter>" for each filter of a SUBSCRIBE.
    ASSERT_TRUE(broker_->wait_log(id + " " + std::to_string(q) + " " + topic, 10s))
        << p.command_line() << " did not subscribe; stderr: " << p.err() << "\nbroker log:\n" << broker_->log();
  }

  // Runs a publisher to completion; expects exit 0.
  void publish(const std::string& exe, std::vector<std::string> args) {
    std::string out, err;
    auto full = cmd(exe, std::move(args));
    auto st = run(full, broker_->dir(), 15s, &out, &err);
    std::string line;
    for (const auto& a : full) line += a + " ";
    ASSERT_TRUE(st.has_value()) << line << "timed out";
    ASSERT_EQ(*st, 0) << line << "\nstdout: " << out << "\nstderr: " << err;
  }

  // Waits for a subscriber started with -C to exit 0 and returns its stdout.
  std::string finish(process& p) {
    auto st = p.wait(15s);
    EXPECT_TRUE(st.has_value()) << p.command_line() << " still running; stdout so far: " << p.out();
    if (!st) return p.out();
    EXPECT_EQ(*st, 0) << p.command_line() << "\nstderr: " << p.err();
    return p.out();
  }

  std::string tern_pub_, tern_sub_;
  const std::string mosquitto_pub_ = "/usr/bin/mosquitto_pub";
  const std::string mosquitto_sub_ = "/usr/bin/mosquitto_sub";
};

TEST_F(Tools, TernPubToTernSub) {
  for (int q = 0; q <= 2; ++q) {
    SCOPED_TRACE("QoS " + std::to_string(q));
    std::string id = "tsub-tpub-q" + std::to_string(q), topic = "tools/t2t/" + std::to_string(q);
    process sub;
    ASSERT_NO_FATAL_FAILURE(start_subscriber(sub, tern_sub_, id, topic, q, {"-C", "1"}));
    ASSERT_NO_FATAL_FAILURE(publish(tern_pub_, {"-t", topic, "-q", std::to_string(q), "-m", "hello tern"}));
    EXPECT_EQ(finish(sub), "hello tern\n");
  }
}

TEST_F(Tools, TernPubToMosquittoSub) {
  process sub;
  ASSERT_NO_FATAL_FAILURE(start_subscriber(sub, mosquitto_sub_, "msub-tpub", "tools/t2m", 2, {"-C", "2", "-v"}));
  ASSERT_NO_FATAL_FAILURE(publish(tern_pub_, {"-t", "tools/t2m", "-q", "2", "-m", "one"}));
  // Both at QoS 2: libmosquitto hands a QoS 2 message to mosquitto_sub only on
  // PUBREL, so a QoS 1 message sent after it may be printed first.
  ASSERT_NO_FATAL_FAILURE(publish(tern_pub_, {"-t", "tools/t2m", "-q", "2", "-V", "mqttv31", "-m", "two"}));
  EXPECT_EQ(finish(sub), "tools/t2m one\ntools/t2m two\n");
}

TEST_F(Tools, MosquittoPubToTernSub) {
  process sub;
  ASSERT_NO_FATAL_FAILURE(start_subscriber(sub, tern_sub_, "tsub-mpub", "tools/m2t/#", 1, {"-C", "3", "-v"}));
  ASSERT_NO_FATAL_FAILURE(publish(mosquitto_pub_, {"-t", "tools/m2t/a", "-q", "0", "-m", "zero"}));
  ASSERT_NO_FATAL_FAILURE(publish(mosquitto_pub_, {"-t", "tools/m2t/b", "-q", "1", "-m", "one"}));
  ASSERT_NO_FATAL_FAILURE(publish(mosquitto_pub_, {"-t", "tools/m2t/c", "-q", "2", "-m", "two"}));
  EXPECT_EQ(finish(sub), "tools/m2t/a zero\ntools/m2t/b one\ntools/m2t/c two\n");
}

TEST_F(Tools, TernPubFileAndRetainReachMosquittoSub) {
  // -f sends the file's bytes; -r retains it, so a subscriber started later gets it.
  std::string body = "line 1\nline 2 with \t tab";
  write_file(broker_->dir() / "payload.txt", body);
  ASSERT_NO_FATAL_FAILURE(
      publish(tern_pub_, {"-t", "tools/retained", "-q", "1", "-r", "-f", (broker_->dir() / "payload.txt").string()}));
  std::string out, err;
  auto st = run({mosquitto_sub_, "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-t", "tools/retained",
                 "-C", "1", "-W", "10"},
                broker_->dir(), 15s, &out, &err);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(*st, 0) << err;
  EXPECT_EQ(out, body + "\n");
  // tern-pub -n -r clears it (a zero-length retained message).
  ASSERT_NO_FATAL_FAILURE(publish(tern_pub_, {"-t", "tools/retained", "-r", "-n"}));
  st = run({mosquitto_sub_, "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-t", "tools/retained", "-C",
            "1", "-W", "1"},
           broker_->dir(), 15s, &out, &err);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(out, "") << "the retained message was cleared";
}

TEST_F(Tools, TernSubReceivesFromTernPubOverMqtt31WithCredentialsIgnored) {
  // The broker allows anonymous clients: a user name is accepted as well.
  process sub;
  ASSERT_NO_FATAL_FAILURE(
      start_subscriber(sub, tern_sub_, "tsub-31", "tools/v31", 2, {"-C", "1", "-V", "mqttv31", "-u", "bob"}));
  ASSERT_NO_FATAL_FAILURE(publish(tern_pub_, {"-t", "tools/v31", "-q", "2", "-V", "mqttv31", "-m", "old protocol"}));
  EXPECT_EQ(finish(sub), "old protocol\n");
}

TEST_F(Tools, TernPubFailsClearlyWithoutABroker) {
  std::string out, err;
  auto st = run({tern_pub_, "-h", "127.0.0.1", "-p", std::to_string(free_port()), "-t", "x", "-m", "y"},
                broker_->dir(), 15s, &out, &err);
  ASSERT_TRUE(st.has_value()) << "tern-pub kept running without a broker";
  EXPECT_NE(*st, 0);
  EXPECT_NE(err.find("Error:"), std::string::npos) << err;
}

TEST_F(Tools, AWillTopicAloneSendsAZeroLengthWillAsMosquittoDoes) {
  // Before: tern-sub printed its usage and exited 1.
  process watcher;
  ASSERT_NO_FATAL_FAILURE(
      start_subscriber(watcher, mosquitto_sub_, "will-watcher", "tools/will", 0, {"-C", "1", "-F", "%t:%l"}));
  process sub;
  ASSERT_NO_FATAL_FAILURE(start_subscriber(sub, tern_sub_, "will-owner", "tools/other", 0, {"--will-topic", "tools/will"}));
  sub.kill();  // no DISCONNECT: the broker publishes the Will
  EXPECT_EQ(finish(watcher), "tools/will:0\n");
  std::string out, err;
  auto st = run(cmd(tern_pub_, {"-t", "x", "-m", "y", "--will-payload", "p"}), broker_->dir(), 15s, &out, &err);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(*st, 1);
  EXPECT_NE(err.find("--will-payload needs --will-topic"), std::string::npos) << err;
}

TEST_F(Tools, TernPubGivesUpOnABrokerThatNeverAnswersWithinOneAndAHalfKeepAlives) {
  // A broker that takes the connection, reads CONNECT and never answers.
  // Before: tern-pub waited the full 30 s connect timeout, whatever -k said.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread silent([listener] {
    int fd = ::accept(listener, nullptr, nullptr);
    char buf[256];
    while (fd >= 0 && ::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    if (fd >= 0) ::close(fd);
  });
  std::string out, err;
  auto t0 = std::chrono::steady_clock::now();
  auto st = run({tern_pub_, "-h", "127.0.0.1", "-p", std::to_string(ntohs(addr.sin_port)), "-k", "5", "-t", "x", "-m",
                 "y"},
                broker_->dir(), 20s, &out, &err);
  auto took = std::chrono::steady_clock::now() - t0;
  ::shutdown(listener, SHUT_RDWR);
  ::close(listener);
  silent.join();
  ASSERT_TRUE(st.has_value()) << "tern-pub still running after 20 s";
  EXPECT_NE(*st, 0);
  EXPECT_LT(took, 10s);
  EXPECT_GE(took, 7s);  // 1.5 x 5 s
  EXPECT_NE(err.find("connack timeout"), std::string::npos) << err;
}

}  // namespace
}  // namespace tern::test::tools_test
