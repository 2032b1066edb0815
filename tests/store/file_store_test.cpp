// The file store: what it keeps across a reopen, its lock, its policies,
// compaction, damage, and a disk that fills up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "store_test_util.hpp"
#include "tern/error.hpp"
#include "tern/store.hpp"

namespace tern::test::file_store_test {
namespace {

namespace fs = std::filesystem;

class FileStore : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tern-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<file_store> open(file_store_options o = {}, const std::string& id = "client-1") {
    std::string detail;
    auto s = file_store::open(dir, id, o, &detail);
    EXPECT_TRUE(s) << detail;
    return s ? std::move(*s) : nullptr;
  }
  std::string log_path(const std::string& id = "client-1") { return dir + "/" + file_store::file_name(id) + ".tern-store"; }
  std::vector<char> bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::string dir;
};

TEST_F(FileStore, KeepsWhatWasAppliedAcrossAReopen) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->load().messages.empty());
    ASSERT_FALSE(s->apply(accepted(1, "a", "one", qos::exactly_once)));
    ASSERT_FALSE(s->apply(accepted(2, "b", "two")));
    ASSERT_FALSE(s->apply(sent(1, 1)));
    ASSERT_FALSE(s->apply(pubrec(1, 1)));
    ASSERT_FALSE(s->apply(held(40)));
    ASSERT_FALSE(s->sync());
  }
  auto s = open();
  ASSERT_TRUE(s);
  auto st = s->load();
  ASSERT_EQ(st.messages.size(), 2u);
  EXPECT_EQ(st.messages[0].mid, 1u);
  EXPECT_TRUE(st.messages[0].pubrec_received);
  EXPECT_EQ(text(st.messages[1].msg.payload), "two");
  EXPECT_EQ(st.inbound_qos2, std::vector<std::uint16_t>{40});
  EXPECT_EQ(s->report().records, 5u);
  EXPECT_EQ(s->report().messages, 2u);
  EXPECT_EQ(s->report().dropped_bytes, 0u);
}

TEST_F(FileStore, AnUpdateThatFitsNothingIsRefusedAndNotWritten) {
  auto s = open();
  auto size = fs::file_size(log_path());
  EXPECT_EQ(s->apply(completed(5)), errc::store_invalid);
  EXPECT_EQ(fs::file_size(log_path()), size);
}

TEST_F(FileStore, ASecondOpenIsRefusedWhileTheFirstHoldsIt) {
  auto first = open();
  ASSERT_TRUE(first);
  std::string detail;
  auto second = file_store::open(dir, "client-1", {}, &detail);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::store_locked);
  EXPECT_NE(detail.find("open in process " + std::to_string(::getpid())), std::string::npos) << detail;
  // From another process too (flock locks are per open file, but check the real case).
  pid_t child = ::fork();
  if (child == 0) {
    auto r = file_store::open(dir, "client-1");
    ::_exit(!r && r.error() == errc::store_locked ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Another client id is another store.
  EXPECT_TRUE(open({}, "client-2"));
  first.reset();
  EXPECT_TRUE(open());  // released with the first
}

TEST_F(FileStore, PoliciesDecideTheFsyncs) {
  for (auto policy : {sync_policy::every, sync_policy::batch, sync_policy::none}) {
    auto id = "p" + std::to_string(static_cast<int>(policy));
    auto s = open({policy}, id);
    ASSERT_TRUE(s);
    auto before = s->fsyncs();
    for (message_id m = 1; m <= 10; ++m) ASSERT_FALSE(s->apply(accepted(m, "t", "x")));
    switch (policy) {
      case sync_policy::every:
        EXPECT_EQ(s->fsyncs() - before, 10u);  // one per message accepted
        EXPECT_EQ(s->durable_updates(), 10u);
        ASSERT_FALSE(s->apply(sent(1, 1)));  // not an acceptance: synced with the batch
        EXPECT_EQ(s->fsyncs() - before, 10u);
        EXPECT_EQ(s->durable_updates(), 10u);
        ASSERT_FALSE(s->sync());
        EXPECT_EQ(s->fsyncs() - before, 11u);
        EXPECT_EQ(s->durable_updates(), 11u);
        break;
      case sync_policy::batch:
        EXPECT_EQ(s->fsyncs() - before, 0u);
        EXPECT_EQ(s->durable_updates(), 0u);
        ASSERT_FALSE(s->sync());
        ASSERT_FALSE(s->sync());  // nothing new: no second fsync
        EXPECT_EQ(s->fsyncs() - before, 1u);
        EXPECT_EQ(s->durable_updates(), 10u);
        break;
      case sync_policy::none:
        ASSERT_FALSE(s->sync());
        EXPECT_EQ(s->fsyncs(), 0u);
        EXPECT_EQ(s->durable_updates(), 10u);
        break;
    }
  }
}

// A process killed without closing the store (no destructor, no sync) under
// `none` leaves everything it wrote in the file.
TEST_F(FileStore, WritesSurviveAKilledProcessWithoutSync) {
  pid_t child = ::fork();
  if (child == 0) {
    auto s = file_store::open(dir, "client-1", {sync_policy::none});
    if (!s) ::_exit(1);
    for (message_id m = 1; m <= 100; ++m)
      if ((*s)->apply(accepted(m, "t", std::to_string(m)))) ::_exit(2);
    if ((*s)->apply(completed(50))) ::_exit(3);
    ::raise(SIGKILL);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto s = open();
  ASSERT_TRUE(s);  // the lock died with the process
  EXPECT_EQ(s->load().messages.size(), 99u);
}

TEST_F(FileStore, CompactsWhenAcknowledgedRecordsDominate) {
  file_store_options o{sync_policy::none, 64};
  {
    auto s = open(o);
    ASSERT_FALSE(s->apply(accepted(1, "keep", "me")));
    for (message_id m = 2; m < 1000; ++m) {
      ASSERT_FALSE(s->apply(accepted(m, "t", std::string(100, 'p'))));
      ASSERT_FALSE(s->apply(sent(m, static_cast<std::uint16_t>(m))));
      ASSERT_FALSE(s->apply(completed(m)));
    }
    EXPECT_GT(s->compactions(), 10u);
    // 3,000 records of ~120 bytes written; what is left is a few of them.
    EXPECT_LT(fs::file_size(log_path()), 64u * 130u);
  }
  auto s = open(o);
  auto st = s->load();
  ASSERT_EQ(st.messages.size(), 1u);
  EXPECT_EQ(st.messages[0].msg.topic, "keep");
  EXPECT_FALSE(fs::exists(log_path() + ".tmp"));
}

TEST_F(FileStore, ADamagedTailIsDroppedReportedAndRewritten) {
  {
    auto s = open();
    for (message_id m = 1; m <= 5; ++m) ASSERT_FALSE(s->apply(accepted(m, "t", "x")));
  }
  {
    std::ofstream out(log_path(), std::ios::binary | std::ios::app);
    out.write("\x30\x00\x00\x00garbage", 11);  // a record header whose body never came
  }
  {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->load().messages.size(), 5u);
    EXPECT_EQ(s->report().dropped_bytes, 11u);
    EXPECT_EQ(s->report().damage, "last record cut short");
    ASSERT_FALSE(s->apply(accepted(6, "t", "after")));
  }
  auto s = open();
  EXPECT_EQ(s->report().dropped_bytes, 0u);  // rewritten without the damage
  EXPECT_EQ(s->load().messages.size(), 6u);
}

TEST_F(FileStore, AFileOfAnotherFormatIsLeftUntouched) {
  {
    std::ofstream out(log_path(), std::ios::binary);
    out.write("tern-mqs\x09\x00\x00\x00\x00\x00\x00\x00 from the future", 32);
  }
  auto before = bytes_of(log_path());
  std::string detail;
  auto s = file_store::open(dir, "client-1", {}, &detail);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::store_not_a_store);  // its header checksum fails
  EXPECT_NE(detail.find("left untouched"), std::string::npos) << detail;
  EXPECT_EQ(bytes_of(log_path()), before);
}

TEST_F(FileStore, ADirectoryThatCannotBeWrittenIsAClearErrorAtOpen) {
  // Root writes through permission bits: a path under a regular file fails for everyone.
  { std::ofstream(dir + "/plain-file") << "x"; }
  std::string detail;
  auto s = file_store::open(dir + "/plain-file/store", "client-1", {}, &detail);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), std::errc::not_a_directory);
  EXPECT_NE(detail.find(dir + "/plain-file/store"), std::string::npos) << detail;
  if (::getuid() != 0) {
    fs::create_directory(dir + "/ro");
    ::chmod((dir + "/ro").c_str(), 0500);
    auto r = file_store::open(dir + "/ro", "client-1", {}, &detail);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), std::errc::permission_denied);
    ::chmod((dir + "/ro").c_str(), 0700);
  }
}

TEST_F(FileStore, AnyClientIdMakesOneFileInTheDirectory) {
  EXPECT_EQ(file_store::file_name("gw-17_a.b"), "gw-17_a.b");
  EXPECT_EQ(file_store::file_name("../etc/passwd"), "%2E.%2Fetc%2Fpasswd");
  EXPECT_EQ(file_store::file_name("a b/é"), "a%20b%2F%C3%A9");
  EXPECT_TRUE(open({}, "../x"));
  EXPECT_TRUE(fs::exists(dir + "/%2E.%2Fx.tern-store"));
  std::string detail;
  EXPECT_EQ(file_store::open(dir, "", {}, &detail).error(), errc::invalid_argument);
}

// A full disk, made small with RLIMIT_FSIZE in a child process: the update
// that does not fit fails with a clear error, nothing stored before is lost,
// the store keeps working, and takes updates again once there is room.
TEST_F(FileStore, AFullDiskFailsTheUpdateAndLosesNothing) {
  { auto s = open(); }  // the file exists with its header
  pid_t child = ::fork();
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead of killing
    auto s = file_store::open(dir, "client-1", {sync_policy::every});
    if (!s) ::_exit(10);
    auto& store = **s;
    if (store.apply(accepted(1, "t", std::string(1000, 'a')))) ::_exit(11);
    auto size = fs::file_size(log_path());
    rlimit lim{size + 1500, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(12);
    auto ec = store.apply(accepted(2, "t", std::string(2000, 'b')));  // does not fit
    if (ec != std::errc::file_too_large) ::_exit(13);
    if (fs::file_size(log_path()) != size) ::_exit(14);  // the torn part was cut off
    if (store.apply(accepted(3, "t", std::string(1000, 'c')))) ::_exit(15);  // still fits
    if (store.load().messages.size() != 2) ::_exit(16);
    lim.rlim_cur = RLIM_INFINITY;
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(17);
    if (store.apply(accepted(2, "t", std::string(2000, 'b')))) ::_exit(18);  // room again
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto s = open();
  auto st = s->load();
  ASSERT_EQ(st.messages.size(), 3u);
  EXPECT_EQ(st.messages[0].mid, 1u);
  EXPECT_EQ(st.messages[1].mid, 3u);
  EXPECT_EQ(st.messages[2].mid, 2u);
  EXPECT_EQ(s->report().dropped_bytes, 0u);
}

}  // namespace
}  // namespace tern::test::file_store_test
