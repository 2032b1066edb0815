// The broker is stopped and started again (persistence on, same port) twice
// while a persistent publisher sends 5,000 QoS 1 and 5,000 QoS 2 messages to
// a persistent subscriber. Every QoS 1 message must arrive at least once
// and every QoS 2 message exactly once [MQTT-4.3.3-2], across reconnects
// that resume the session on both sides. Slow (several seconds).

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker.hpp"
#include "harness.hpp"

namespace tern::test::persistence_test {
namespace {

constexpr int per_qos = 5000;

struct tally {
  std::mutex m;
  std::vector<int> seen[2]{std::vector<int>(per_qos), std::vector<int>(per_qos)};  // [0] QoS 1, [1] QoS 2
  int distinct[2]{0, 0};
  int total[2]{0, 0};
  int wrong_qos = 0;
  int bad_payload = 0;
  int dup_flag[2]{0, 0};
  // Each QoS 2 delivery: which connection of the subscriber (1, 2, 3), its
  // packet id and DUP flag, to tell a re-delivery of the same flow (a client
  // bug) from a new flow started by the broker.
  struct delivery {
    int connection;
    std::uint16_t packet_id;
    bool dup;
  };
  std::vector<std::vector<delivery>> q2_deliveries = std::vector<std::vector<delivery>>(per_qos);
  const std::atomic<int>* connection = nullptr;

  void add(const message_received& m) {
    int k = m.topic == "persist/q1" ? 0 : m.topic == "persist/q2" ? 1 : -1;
    int seq = -1;
    auto p = reinterpret_cast<const char*>(m.payload.data());
    auto [end, ec] = std::from_chars(p, p + m.payload.size(), seq);
    std::lock_guard l(this->m);
    if (k < 0 || ec != std::errc{} || end != p + m.payload.size() || seq < 0 || seq >= per_qos) {
      ++bad_payload;
      return;
    }
    if (m.qos != (k == 0 ? qos::at_least_once : qos::exactly_once)) ++wrong_qos;
    if (m.dup) ++dup_flag[k];
    if (k == 1) q2_deliveries[static_cast<std::size_t>(seq)].push_back({connection->load(), m.packet_id, m.dup});
    ++total[k];
    if (seen[k][static_cast<std::size_t>(seq)]++ == 0) ++distinct[k];
  }
  int received() {
    std::lock_guard l(m);
    return distinct[0] + distinct[1];
  }
};

// mosquitto 2.0.11 (seen with persistence) re-sends a QoS 2 PUBLISH with
// DUP 1 after a restart although it had received PUBREC and sent PUBREL for
// it before the restart, against [MQTT-4.3.3-1] ("MUST NOT re-send the
// PUBLISH once it has sent the corresponding PUBREL"). The subscriber had
// forgotten the id on PUBREL (Method B, as the spec says), so such a
// PUBLISH is a new message to it. True when the broker log shows exactly
// that for `packet_id`: PUBREL, a restart, then PUBLISH d1 with the same id,
// with no new flow (PUBLISH d0) for that id in between.
bool broker_resent_after_pubrel(const std::string& log, std::uint16_t packet_id) {
  auto id = std::to_string(packet_id);
  auto resend = log.find("Sending PUBLISH to persist-sub (d1, q2, r0, m" + id + ",");
  while (resend != std::string::npos) {
    auto pubrel = log.rfind("Sending PUBREL to persist-sub (m" + id + ")", resend);
    auto restart = log.rfind("mosquitto version", resend);
    auto fresh = log.rfind("Sending PUBLISH to persist-sub (d0, q2, r0, m" + id + ",", resend);
    if (pubrel != std::string::npos && restart != std::string::npos && pubrel < restart &&
        (fresh == std::string::npos || fresh < pubrel))
      return true;
    resend = log.find("Sending PUBLISH to persist-sub (d1, q2, r0, m" + id + ",", resend + 1);
  }
  return false;
}

std::string flags(const std::vector<bool>& v) {
  std::string s;
  for (bool b : v) s += b ? '1' : '0';
  return s;
}

TEST(BrokerRestart, PersistentSessionsSurviveTwoRestartsMidStream) {
  broker_config cfg;
  cfg.persistence = true;
  // Every packet in mosquitto.log: needed to tell a broker re-send from a client duplicate.
  cfg.extra = {"log_type debug"};
  broker b(cfg);
  ASSERT_TRUE(b.start());

  tally t;
  auto so = make_options(b.url(), "persist-sub");
  so.connect.clean_session = false;
  test_client sub(so);
  t.connection = &sub.connect_count;
  sub.message_filter = [&t](const message_received& m) {
    t.add(m);
    return false;  // counted, not copied
  };
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("persist/q1", qos::at_least_once));
  ASSERT_TRUE(sub.subscribe("persist/q2", qos::exactly_once));

  auto po = make_options(b.url(), "persist-pub");
  po.connect.clean_session = false;
  po.session.max_queued = 0;  // publish() keeps queueing while the broker is down
  test_client pub(po);
  ASSERT_TRUE(pub.connect());

  // The publisher sends in paced batches, so that both restarts fall in the
  // middle of the stream; the main thread restarts the broker meanwhile.
  std::atomic<int> publish_errors{0};
  std::atomic<bool> publisher_done{false};
  std::thread publisher([&] {
    for (int i = 0; i < per_qos; ++i) {
      auto s = std::to_string(i);
      if (!pub->publish("persist/q1", s, qos::at_least_once)) ++publish_errors;
      if (!pub->publish("persist/q2", s, qos::exactly_once)) ++publish_errors;
      if (i % 100 == 99) std::this_thread::sleep_for(30ms);
    }
    publisher_done = true;
  });

  auto t0 = std::chrono::steady_clock::now();
  int restarts = 0;
  for (int threshold : {2 * per_qos / 5, 6 * per_qos / 5}) {  // at 20 % and 60 % of all messages
    bool reached = poll_until(30s, [&] { return t.received() >= threshold; });
    if (!reached) break;
    std::printf("[ info     ] restarting the broker at %d of %d messages received\n", t.received(), 2 * per_qos);
    auto r = b.restart();
    if (!r) {
      publisher.join();
      FAIL() << r.message();
    }
    ++restarts;
  }
  bool all = poll_until(60s, [&] { return t.received() == 2 * per_qos; });
  publisher.join();
  bool acked = pub.wait_for(30s, [&] { return pub.published.size() == 2 * per_qos; });
  std::this_thread::sleep_for(1s);  // late duplicates, if any
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();

  std::lock_guard l(t.m);
  int missing[2]{per_qos - t.distinct[0], per_qos - t.distinct[1]};
  int dups[2]{t.total[0] - t.distinct[0], t.total[1] - t.distinct[1]};
  int q2_multi = 0, q2_broker_resent = 0;
  std::string q2_detail;
  auto broker_log = b.log();
  for (int seq = 0; seq < per_qos; ++seq) {
    const auto& d = t.q2_deliveries[static_cast<std::size_t>(seq)];
    if (d.size() < 2) continue;
    if (d.size() == 2 && d[1].dup && d[0].packet_id == d[1].packet_id && d[1].connection > d[0].connection &&
        broker_resent_after_pubrel(broker_log, d[1].packet_id)) {
      ++q2_broker_resent;
      continue;
    }
    if (++q2_multi > 8) continue;
    q2_detail += "  QoS 2 seq " + std::to_string(seq) + " delivered " + std::to_string(d.size()) + " times:";
    for (const auto& x : d)
      q2_detail += " (connection " + std::to_string(x.connection) + ", packet id " + std::to_string(x.packet_id) +
                   ", dup " + std::to_string(x.dup) + ")";
    q2_detail += "\n";
  }
  std::string sub_sp, pub_sp;
  std::size_t sub_reconnects, pub_reconnects, pub_completed;
  {
    auto sl = sub.lock();
    sub_sp = flags(sub.connects);
    sub_reconnects = sub.connects.size() - 1;
  }
  {
    auto pl = pub.lock();
    pub_sp = flags(pub.connects);
    pub_reconnects = pub.connects.size() - 1;
    pub_completed = pub.published.size();
  }
  std::printf(
      "[ info     ] %d restarts in %lld ms\n"
      "[ info     ] QoS 1: %d sent, %d received, %d distinct, %d duplicates, %d missing, %d with DUP\n"
      "[ info     ] QoS 2: %d sent, %d received, %d distinct, %d duplicates (%d of them re-sent by the broker after "
      "PUBREL), %d missing, %d with DUP\n"
      "[ info     ] publisher: %zu completed, %d publish errors, %zu reconnects, session_present %s\n"
      "[ info     ] subscriber: %zu reconnects, session_present %s, %d wrong QoS, %d bad payloads\n",
      restarts, static_cast<long long>(ms), per_qos, t.total[0], t.distinct[0], dups[0], missing[0], t.dup_flag[0],
      per_qos, t.total[1], t.distinct[1], dups[1], q2_broker_resent, missing[1], t.dup_flag[1], pub_completed,
      publish_errors.load(), pub_reconnects, pub_sp.c_str(), sub_reconnects, sub_sp.c_str(), t.wrong_qos,
      t.bad_payload);
  RecordProperty("restarts", restarts);
  RecordProperty("qos1_received", t.total[0]);
  RecordProperty("qos1_duplicates", dups[0]);
  RecordProperty("qos1_missing", missing[0]);
  RecordProperty("qos2_received", t.total[1]);
  RecordProperty("qos2_duplicates", dups[1]);
  RecordProperty("qos2_missing", missing[1]);
  RecordProperty("qos2_broker_resent_after_pubrel", q2_broker_resent);
  RecordProperty("subscriber_session_present", sub_sp);
  RecordProperty("publisher_session_present", pub_sp);

  EXPECT_EQ(restarts, 2) << "the stream ended before both restarts";
  EXPECT_TRUE(publisher_done);
  EXPECT_EQ(publish_errors, 0);
  EXPECT_TRUE(all) << "not every sequence number arrived within 60 s";
  EXPECT_TRUE(acked) << "the publisher saw " << pub_completed << " of " << 2 * per_qos << " completions";
  EXPECT_EQ(missing[0], 0) << "QoS 1: every message at least once";
  EXPECT_EQ(missing[1], 0) << "QoS 2: every message";
  // Duplicates the broker caused by breaking [MQTT-4.3.3-1] are counted above
  // but not held against the client; any other one is a client bug.
  EXPECT_EQ(dups[1] - q2_broker_resent, 0) << "QoS 2: no message twice [MQTT-4.3.3-2]; the first few:\n" << q2_detail;
  if (q2_broker_resent > 0)
    std::printf("[ warning  ] %d QoS 2 duplicates: mosquitto re-sent PUBLISH (DUP 1) after its PUBREL across a "
                "restart [MQTT-4.3.3-1]\n",
                q2_broker_resent);
  EXPECT_EQ(t.wrong_qos, 0);
  EXPECT_EQ(t.bad_payload, 0);
  // With persistence the broker keeps both sessions: every reconnect resumes one.
  EXPECT_EQ(sub_sp.find('0', 1), std::string::npos) << "subscriber session_present per connect: " << sub_sp;
  EXPECT_EQ(pub_sp.find('0', 1), std::string::npos) << "publisher session_present per connect: " << pub_sp;
}

}  // namespace
}  // namespace tern::test::persistence_test
