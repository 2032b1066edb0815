// Topic name and filter validation (4.7.1, 4.7.3, 1.5.3), table-driven.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tern/topic.hpp"

namespace validate_test {
namespace {

using tern::errc;

struct validate_case {
  std::string input;
  std::error_code expected;  // default: valid
};

std::string with_nul(std::string_view a, std::string_view b) {
  std::string s(a);
  s.push_back('\0');
  s.append(b);
  return s;
}

TEST(ValidateFilter, Table) {
  const validate_case cases[] = {
      // 4.7.1.2 multi-level wildcard
      {"sport/tennis/player1/#", {}},
      {"sport/#", {}},
      {"#", {}},
      {"sport/tennis/#", {}},
      {"sport/tennis#", errc::misplaced_hash},
      {"sport/tennis/#/ranking", errc::misplaced_hash},
      {"#/", errc::misplaced_hash},
      {"##", errc::misplaced_hash},
      {"a/#b", errc::misplaced_hash},
      {"/#", {}},
      // 4.7.1.3 single-level wildcard
      {"+", {}},
      {"+/tennis/#", {}},
      {"sport+", errc::misplaced_plus},
      {"sport/+/player1", {}},
      {"+/+", {}},
      {"/+", {}},
      {"+a", errc::misplaced_plus},
      {"a/+b/c", errc::misplaced_plus},
      {"++", errc::misplaced_plus},
      {"+/", {}},
      {"+#", errc::misplaced_plus},
      {"a/+/#", {}},
      {"+/+/+/#", {}},
      // first misplaced wildcard wins
      {"a+/#/b", errc::misplaced_plus},
      {"a/#/b+", errc::misplaced_hash},
      // 4.7.1.1 separators and empty levels
      {"/", {}},
      {"//", {}},
      {"a//b", {}},
      {"/finance", {}},
      {"finance/", {}},
      // 4.7.3 content
      {"", errc::empty_topic},
      {"Accounts payable", {}},
      {"$SYS/#", {}},
      {"$SYS/monitor/+", {}},
      {with_nul("a/", "b"), errc::topic_contains_null},
      {"a/\xC3", errc::utf8_ill_formed},
      {"a/\xED\xA0\x80", errc::utf8_ill_formed},  // U+D800 [MQTT-1.5.3-1]
      {"a/\xC0\xAF", errc::utf8_ill_formed},      // overlong '/'
      {"\xEF\xBB\xBF/a", {}},                            // U+FEFF is a character [MQTT-1.5.3-3]
      {"caf\xC3\xA9/+", {}},
      // shared subscriptions
      {"$share/group/a/b", {}},
      {"$share/group/#", {}},
      {"$share/group/+/b/#", {}},
      {"$share/g/$SYS/#", {}},
      {"$share/g//", {}},
      {"$share//a", errc::invalid_shared_subscription},
      {"$share/g", errc::invalid_shared_subscription},
      {"$share/g/", errc::invalid_shared_subscription},
      {"$share/", errc::invalid_shared_subscription},
      {"$share/+/a", errc::invalid_shared_subscription},
      {"$share/#/a", errc::invalid_shared_subscription},
      {"$share/g+/a", errc::invalid_shared_subscription},
      {"$share/g/a+", errc::misplaced_plus},
      {"$share/g/#/a", errc::misplaced_hash},
      {"$share", {}},           // an ordinary filter
      {"$shared/g/a", {}},      // an ordinary filter
      {"$SHARE/g", {}},         // an ordinary filter: the prefix is case sensitive
  };
  for (const auto& c : cases)
    EXPECT_EQ(tern::validate_topic_filter(c.input), c.expected) << '"' << c.input << '"';
}

TEST(ValidateName, Table) {
  const validate_case cases[] = {
      {"sport/tennis/player1", {}},
      {"sport/tennis/player1/ranking", {}},
      {"/", {}},
      {"/finance", {}},
      {"a//b/", {}},
      {"Accounts payable", {}},
      {"$SYS/monitor/Clients", {}},
      {"$share/g/a", {}},  // only a filter can be a shared subscription
      {"\xEF\xBB\xBF", {}},
      {"", errc::empty_topic},
      {"sport/+", errc::wildcard_in_topic_name},
      {"sport/#", errc::wildcard_in_topic_name},
      {"+", errc::wildcard_in_topic_name},
      {"#", errc::wildcard_in_topic_name},
      {"a+b", errc::wildcard_in_topic_name},
      {"a#b", errc::wildcard_in_topic_name},
      {with_nul("", ""), errc::topic_contains_null},
      {with_nul("a", "+"), errc::topic_contains_null},  // UTF-8 and NUL before wildcards
      {"\xFF/+", errc::utf8_ill_formed},
      {"\xF4\x90\x80\x80", errc::utf8_ill_formed},  // above U+10FFFF
  };
  for (const auto& c : cases)
    EXPECT_EQ(tern::validate_topic_name(c.input), c.expected) << '"' << c.input << '"';
}

TEST(Validate, LengthLimit) {
  const std::string max(tern::max_topic_length, 'a');
  EXPECT_EQ(tern::validate_topic_name(max), std::error_code{});
  EXPECT_EQ(tern::validate_topic_filter(max), std::error_code{});
  const std::string over(tern::max_topic_length + 1, 'a');
  EXPECT_EQ(tern::validate_topic_name(over), errc::topic_too_long);
  EXPECT_EQ(tern::validate_topic_filter(over), errc::topic_too_long);
  // The limit counts bytes, not characters.
  std::string utf8;
  while (utf8.size() + 2 <= tern::max_topic_length + 1) utf8 += "\xC3\xA9";
  EXPECT_EQ(utf8.size(), tern::max_topic_length + 1);
  EXPECT_EQ(tern::validate_topic_name(utf8), errc::topic_too_long);
}

TEST(Validate, ErrorMessagesAreSpecific) {
  EXPECT_EQ(std::error_code(errc::misplaced_hash).message(),
            "invalid topic filter: '#' must be alone in the last level");
  EXPECT_EQ(std::error_code(errc::misplaced_hash).category().name(), std::string("tern"));
}

TEST(SharedSubscription, Split) {
  auto s = tern::split_shared_subscription("$share/g/a/+");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->group, "g");
  EXPECT_EQ(s->filter, "a/+");
  s = tern::split_shared_subscription("$share/g");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->group, "g");
  EXPECT_EQ(s->filter, "");
  EXPECT_FALSE(tern::split_shared_subscription("$share"));
  EXPECT_FALSE(tern::split_shared_subscription("a/$share/g/b"));
  EXPECT_EQ(tern::dispatch_filter("$share/g/a/#"), "a/#");
  EXPECT_EQ(tern::dispatch_filter("a/#"), "a/#");
  EXPECT_EQ(tern::dispatch_filter("$share/g/$share/h/x"), "$share/h/x");  // only one prefix is stripped
}

TEST(ValueTypes, MakeValidates) {
  auto n = tern::topic_name::make("a/b");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->str(), "a/b");
  EXPECT_EQ(tern::topic_name::make("a/+").error(), errc::wildcard_in_topic_name);
  EXPECT_EQ(tern::topic_name::make("").error(), errc::empty_topic);

  auto f = tern::topic_filter::make("$share/g/a/+");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->is_shared());
  EXPECT_EQ(f->dispatch_view(), "a/+");
  EXPECT_TRUE(f->matches("a/b"));
  EXPECT_EQ(tern::topic_filter::make("a/#/b").error(), errc::misplaced_hash);
  EXPECT_EQ(tern::topic_filter::make("$share//a").error(), errc::invalid_shared_subscription);
}

}  // namespace
}  // namespace validate_test
