// The store's file format: records with checksums, and what reading a torn,
// damaged or foreign file gives back.
#include <gtest/gtest.h>

#include "store/crc32c.hpp"
#include "store/log_format.hpp"
#include "store_test_util.hpp"
#include "tern/error.hpp"

namespace tern::test::log_format_test {
namespace {

std::vector<store_update> life() {
  static const std::string big(300, 'x');  // the updates only view their payloads
  return {accepted(1, "sensors/a", "21.5", qos::exactly_once, true),
          accepted(2, "b", big),
          sent(1, 1),
          held(77),
          pubrec(1, 1),
          accepted(3, "c", ""),
          completed(1, 1),
          sent(2, 2),
          requeued(),
          released(77),
          held(12),
          cleared(),
          held(13),
          sent(2, 5)};
}

struct file {
  std::vector<std::byte> bytes;
  std::vector<std::size_t> record_at;  // where each record starts
};

file encode(const std::vector<store_update>& updates) {
  file f;
  detail::encode_store_header(f.bytes);
  for (const auto& u : updates) {
    f.record_at.push_back(f.bytes.size());
    detail::encode_store_record(u, f.bytes);
  }
  return f;
}

detail::store_state apply_first(const std::vector<store_update>& updates, std::size_t n) {
  detail::store_state s;
  for (std::size_t i = 0; i < n; ++i) EXPECT_TRUE(s.apply(updates[i])) << i;
  return s;
}

void expect_same(const stored_state& a, const stored_state& b) {
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    EXPECT_EQ(a.messages[i].mid, b.messages[i].mid);
    EXPECT_EQ(a.messages[i].msg.topic, b.messages[i].msg.topic);
    EXPECT_EQ(a.messages[i].msg.payload, b.messages[i].msg.payload);
    EXPECT_EQ(a.messages[i].msg.qos, b.messages[i].msg.qos);
    EXPECT_EQ(a.messages[i].msg.retain, b.messages[i].msg.retain);
    EXPECT_EQ(a.messages[i].packet_id, b.messages[i].packet_id);
    EXPECT_EQ(a.messages[i].pubrec_received, b.messages[i].pubrec_received);
  }
  EXPECT_EQ(a.inbound_qos2, b.inbound_qos2);
}

TEST(Crc32c, KnownValues) {
  EXPECT_EQ(detail::crc32c(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(detail::crc32c(as_bytes("")), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(detail::crc32c(as_bytes(zeros)), 0x8A9136AAu);  // RFC 3720, B.4
  // In pieces as in one go.
  auto whole = detail::crc32c(as_bytes("The quick brown fox jumps over the lazy dog"));
  EXPECT_EQ(detail::crc32c(as_bytes(" over the lazy dog"), detail::crc32c(as_bytes("The quick brown fox jumps"))),
            whole);
}

TEST(LogFormat, WhatWasWrittenIsReadBack) {
  auto updates = life();
  auto f = encode(updates);
  auto r = detail::recover_store(f.bytes);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.records, updates.size());
  EXPECT_EQ(r.good_bytes, f.bytes.size());
  EXPECT_EQ(r.dropped_bytes, 0u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_TRUE(r.damage.empty());
  expect_same(r.state.snapshot(), apply_first(updates, updates.size()).snapshot());
  auto st = r.state.snapshot();
  ASSERT_EQ(st.messages.size(), 2u);
  EXPECT_EQ(st.messages[0].mid, 2u);
  EXPECT_EQ(st.messages[0].packet_id, 5u);
  EXPECT_EQ(st.inbound_qos2, std::vector<std::uint16_t>{13});
}

TEST(LogFormat, ACompactedStateReadsBackTheSame) {
  auto updates = life();  // after 5: message 1 sent and past PUBREC, an inbound id held
  std::vector<std::byte> bytes;
  detail::encode_store_header(bytes);
  detail::encode_store_state(apply_first(updates, 5), bytes);
  auto r = detail::recover_store(bytes);
  EXPECT_EQ(r.records, apply_first(updates, 5).records());
  expect_same(r.state.snapshot(), apply_first(updates, 5).snapshot());
}

// A kill in the middle of an append: every possible cut of the last record.
TEST(LogFormat, ATornLastRecordIsDroppedAndTheRestKept) {
  auto updates = life();
  auto f = encode(updates);
  auto last = f.record_at.back();
  auto expected = apply_first(updates, updates.size() - 1).snapshot();
  for (auto cut = last + 1; cut < f.bytes.size(); ++cut) {
    auto r = detail::recover_store(std::span(f.bytes).first(cut));
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.records, updates.size() - 1) << cut;
    EXPECT_EQ(r.good_bytes, last);
    EXPECT_EQ(r.dropped_bytes, cut - last);
    EXPECT_EQ(r.damage, "last record cut short");
    expect_same(r.state.snapshot(), expected);
  }
}

// Any one flipped byte is caught: the records before it are kept, the rest dropped.
TEST(LogFormat, AFlippedByteDropsTheDamagedTail) {
  auto updates = life();
  auto f = encode(updates);
  for (auto at = detail::store_header_size; at < f.bytes.size(); ++at) {
    auto damaged = f.bytes;
    damaged[at] ^= std::byte{0x20};
    auto r = detail::recover_store(damaged);
    std::size_t hit = 0;  // the record holding the flipped byte
    while (hit + 1 < f.record_at.size() && f.record_at[hit + 1] <= at) ++hit;
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.records, hit) << at;
    EXPECT_EQ(r.good_bytes, f.record_at[hit]) << at;
    EXPECT_EQ(r.dropped_bytes, damaged.size() - f.record_at[hit]);
    EXPECT_FALSE(r.damage.empty());
    expect_same(r.state.snapshot(), apply_first(updates, hit).snapshot());
  }
}

TEST(LogFormat, AnUnknownVersionIsRefusedNotRead) {
  std::vector<std::byte> bytes;
  detail::encode_store_header(bytes);
  bytes[8] = std::byte{2};  // version 2, with a checksum that fits it
  auto crc = detail::crc32c(std::span(bytes).first(12));
  for (int i = 0; i < 4; ++i) bytes[12 + i] = static_cast<std::byte>((crc >> (8 * i)) & 0xFF);
  detail::encode_store_record(accepted(1, "t", "x"), bytes);
  auto r = detail::recover_store(bytes);
  EXPECT_EQ(r.error, errc::store_unknown_version);
  EXPECT_EQ(r.state.messages(), 0u);
}

TEST(LogFormat, AForeignFileIsNotAStore) {
  EXPECT_EQ(detail::recover_store(as_bytes("#!/bin/sh\necho hello, this is no store\n")).error,
            errc::store_not_a_store);
  std::vector<std::byte> bytes;
  detail::encode_store_header(bytes);
  bytes[10] ^= std::byte{1};  // the header's checksum fails
  EXPECT_EQ(detail::recover_store(bytes).error, errc::store_not_a_store);
}

TEST(LogFormat, EmptyOrCutInsideTheHeader) {
  auto r = detail::recover_store({});
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.good_bytes, 0u);
  std::vector<std::byte> bytes;
  detail::encode_store_header(bytes);
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    auto c = detail::recover_store(std::span(bytes).first(cut));
    EXPECT_FALSE(c.error) << cut;
    EXPECT_EQ(c.good_bytes, 0u);
    EXPECT_EQ(c.dropped_bytes, cut);
    EXPECT_EQ(c.damage, "header cut short");
  }
}

TEST(LogFormat, WholeRecordsThatFitNothingAreSkippedAndCounted) {
  auto f = encode({accepted(1, "t", "x"), completed(9), sent(1, 3)});
  auto r = detail::recover_store(f.bytes);
  EXPECT_EQ(r.records, 3u);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(r.state.snapshot().messages.at(0).packet_id, 3u);
}

}  // namespace
}  // namespace tern::test::log_format_test
