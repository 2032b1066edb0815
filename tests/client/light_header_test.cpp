// <tern/client.hpp> includes no heavy standard header (each would cost a
// user's translation unit 15,000 to 50,000 lines), and its own vocabulary
// types convert to and from the standard ones as documented. Built as its own
// translation unit (no unity build), so that the checks below see only what
// <tern/client.hpp> included.
#include <tern/client.hpp>

#if defined(_GLIBCXX_STRING) || defined(_GLIBCXX_STRING_VIEW) || defined(_GLIBCXX_FUNCTIONAL) || \
    defined(_GLIBCXX_CHRONO) || defined(_GLIBCXX_SYSTEM_ERROR) || defined(_GLIBCXX_MEMORY) ||     \
    defined(_GLIBCXX_VECTOR) || defined(_GLIBCXX_SPAN) || defined(_GLIBCXX_UTILITY) || defined(ASIO_VERSION)
#error "<tern/client.hpp> includes a heavy standard header or Asio"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "tern/error.hpp"
#include "tern/payload.hpp"

namespace tern {
namespace {

TEST(ErrorCode, SuccessConvertsToADefaultStdErrorCode) {
  error_code ok;
  EXPECT_FALSE(ok);
  std::error_code std_ok = ok;
  EXPECT_EQ(std_ok, std::error_code{});
  EXPECT_EQ(ok, std::error_code{});
  EXPECT_EQ(ok, error_code(std::error_code(0, std::generic_category())));  // every success is equal
}

TEST(ErrorCode, KeepsTheValueAndCategoryBothWays) {
  std::error_code in = make_error_code(errc::queue_full);
  error_code e = in;
  EXPECT_TRUE(e);
  EXPECT_EQ(e.value(), static_cast<int>(errc::queue_full));
  std::error_code out = e;
  EXPECT_EQ(out, in);
  EXPECT_EQ(&out.category(), &tern_category());
  EXPECT_EQ(e.message(), in.message());
  EXPECT_STREQ(e.category().name(), "tern");
}

TEST(ErrorCode, ComparesAsStdErrorCodeDoes) {
  error_code e = errc::queue_full;
  EXPECT_TRUE(e == errc::queue_full);
  EXPECT_FALSE(e == errc::not_connected);
  EXPECT_TRUE(e == make_error_code(errc::queue_full));
  EXPECT_TRUE(make_error_code(errc::queue_full) == e);
  EXPECT_FALSE(e == error_code(connack_error::not_authorized));
  // A condition enum compares by equivalence: the system category's
  // ECONNREFUSED is std::errc::connection_refused.
  error_code refused = std::error_code(ECONNREFUSED, std::system_category());
  EXPECT_TRUE(refused == std::errc::connection_refused);
  EXPECT_FALSE(refused == std::errc::timed_out);
}

// boost::system::error_code's members, failed() among them: its category is
// no std::error_category, so it must not convert.
struct boost_like_error_code {
  int value() const { return 1; }
  const std::error_category& category() const { return std::generic_category(); }
  std::error_condition default_error_condition() const { return {}; }
  bool failed() const { return true; }
  boost_like_error_code() = default;
  boost_like_error_code(int, const std::error_category&) {}
};

TEST(ErrorCode, RefusesBoostErrorCodes) {
  static_assert(!std::is_convertible_v<boost_like_error_code, error_code>);
  static_assert(!std::is_convertible_v<error_code, boost_like_error_code>);
  static_assert(std::is_convertible_v<std::error_code, error_code>);
}

TEST(ErrorCode, IsALayoutLikeStdErrorCode) {
  static_assert(std::is_trivially_copyable_v<error_code>);
  static_assert(sizeof(error_code) == sizeof(std::error_code));
  static_assert(std::is_trivially_copyable_v<result<std::span<const std::byte>>>);
}

result<int> fails_with(errc e) { return e; }
result<int> fails_with(std::error_code ec) { return ec; }

TEST(Result, HoldsAnErrorMadeFromAnEnumOrAStdErrorCode) {
  auto a = fails_with(errc::no_topic_filters);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::no_topic_filters);
  auto b = fails_with(std::make_error_code(std::errc::invalid_argument));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), std::errc::invalid_argument);
  result<int> c = 7;
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, 7);
  EXPECT_FALSE(c.error());
}

TEST(StringRef, ViewsCStringsAndStandardStrings) {
  EXPECT_TRUE(string_ref(static_cast<const char*>(nullptr)).empty());
  std::string s = "a/b";
  string_ref r = s;
  EXPECT_EQ(r.data(), s.data());
  EXPECT_EQ(r.size(), 3u);
  std::string_view v = r;
  EXPECT_EQ(v, "a/b");
  EXPECT_EQ(std::string(r), "a/b");
  // Both orders, with every string type, and no ambiguity with std's own ==.
  EXPECT_TRUE(r == "a/b");
  EXPECT_TRUE(r == s);
  EXPECT_TRUE(s == r);
  EXPECT_TRUE(v == r);
  EXPECT_TRUE(r == v);
  EXPECT_FALSE(r == "a/c");
  EXPECT_FALSE(r == "a/b/");
  std::ostringstream os;
  os << r;
  EXPECT_EQ(os.str(), "a/b");
}

TEST(Text, OwnsACopyAndConvertsToStandardStrings) {
  std::string src = "detail";
  text t(src);
  src[0] = 'X';
  std::string s = t;
  EXPECT_EQ(s, "detail");
  std::string_view v = t;
  EXPECT_EQ(v, "detail");
  EXPECT_TRUE(t == "detail");
  EXPECT_EQ(t.c_str()[t.size()], '\0');
  text copy = t;
  text moved = std::move(t);
  EXPECT_TRUE(copy == "detail");
  EXPECT_TRUE(moved == "detail");
  EXPECT_TRUE(t.empty());  // NOLINT: a moved-from text is empty
  EXPECT_STREQ(text().c_str(), "");
  std::ostringstream os;
  os << copy;
  EXPECT_EQ(os.str(), "detail");
}

TEST(Callback, HoldsLambdasFunctionPointersAndStdFunctions) {
  callback<void(int)> none;
  EXPECT_FALSE(none);
  EXPECT_FALSE(callback<void(int)>(std::function<void(int)>{}));  // empty stays empty
  EXPECT_FALSE(callback<void(int)>(static_cast<void (*)(int)>(nullptr)));
  int sum = 0;
  callback<void(int)> add = [&sum](int n) { sum += n; };
  add(2);
  callback<void(int)> from_std = std::function<void(int)>([&sum](int n) { sum += 10 * n; });
  from_std(1);
  EXPECT_EQ(sum, 12);
  callback<int(int)> twice = +[](int n) { return 2 * n; };
  EXPECT_EQ(twice(21), 42);
  callback<void()> ignores_result = [] { return 5; };
  ignores_result();
}

TEST(Callback, CopiesAreIndependent) {
  callback<int()> counter = [n = 0]() mutable { return ++n; };
  EXPECT_EQ(counter(), 1);
  callback<int()> copy = counter;
  EXPECT_EQ(copy(), 2);
  EXPECT_EQ(copy(), 3);
  EXPECT_EQ(counter(), 2);
  callback<int()> moved = std::move(counter);
  EXPECT_EQ(moved(), 3);
  EXPECT_FALSE(counter);  // NOLINT: a moved-from callback is empty
}

TEST(Callback, TakesLambdasWrittenForTheStandardTypes) {
  std::string seen;
  callback<void(log_level, string_ref)> log = [&seen](log_level, std::string_view line) { seen = line; };
  log(log_level::info, "connected");
  EXPECT_EQ(seen, "connected");
  std::error_code got;
  callback<void(error_code)> on_error = [&got](std::error_code ec) { got = ec; };
  on_error(errc::link_lost);
  EXPECT_EQ(got, make_error_code(errc::link_lost));
  std::vector<std::uint8_t> granted;
  std::size_t span_size = 0;
  callback<void(error_code, array_view<const std::uint8_t>)> done = [&granted](std::error_code,
                                                                           std::vector<std::uint8_t> g) {
    granted = std::move(g);
  };
  callback<void(message_id, array_view<const std::uint8_t>)> on_subscribe =
      [&span_size](message_id, std::span<const std::uint8_t> g) { span_size = g.size(); };
  const std::uint8_t codes[] = {1, suback_failure};
  done({}, array_view<const std::uint8_t>(codes, 2));
  on_subscribe(1, array_view<const std::uint8_t>(codes, 2));
  EXPECT_EQ(granted, (std::vector<std::uint8_t>{1, suback_failure}));
  EXPECT_EQ(span_size, 2u);
}

TEST(ArrayView, ViewsContainersAndConvertsToSpanAndVector) {
  std::vector<std::byte> bytes{std::byte{1}, std::byte{2}};
  array_view<const std::byte> v = bytes;
  EXPECT_EQ(v.data(), bytes.data());
  std::span<const std::byte> s = v;
  EXPECT_EQ(s.size(), 2u);
  std::vector<std::byte> copy = v;
  EXPECT_EQ(copy, bytes);
}

TEST(MillisecondsArg, TakesWhatStdChronoMillisecondsTakesImplicitly) {
  using namespace std::chrono_literals;
  EXPECT_EQ(milliseconds_arg(2s).count(), 2000);
  EXPECT_EQ(milliseconds_arg(1min).count(), 60000);
  EXPECT_EQ(milliseconds_arg(250ms).count(), 250);
  EXPECT_EQ(milliseconds_arg(-3s).count(), -3000);
  EXPECT_EQ(milliseconds_arg(std::chrono::duration<long, std::ratio<1, 100>>(7)).count(), 70);
  // Lossy ones are refused, as std::chrono::milliseconds refuses them:
  // stop(500us) must not become stop(0ms).
  static_assert(!std::is_convertible_v<std::chrono::microseconds, milliseconds_arg>);
  static_assert(!std::is_convertible_v<std::chrono::microseconds, std::chrono::milliseconds>);
  static_assert(!std::is_convertible_v<std::chrono::duration<double>, milliseconds_arg>);
}

std::vector<std::string> filters_of(const list_arg<string_ref>& l) {
  std::vector<std::string> out;
  for (auto f : l.items()) out.emplace_back(f);
  return out;
}
std::vector<std::pair<std::string, qos>> filters_of(const list_arg<filter_qos>& l) {
  std::vector<std::pair<std::string, qos>> out;
  for (auto f : l.items()) out.emplace_back(std::string(f.filter), f.qos);
  return out;
}

// Makes its elements on the fly: a string_ref of one would dangle.
struct made_on_the_fly {
  std::size_t size() const { return 1; }
  struct iterator {
    std::string operator*() const { return "a/b"; }
    iterator& operator++() { return *this; }
    bool operator==(const iterator&) const { return true; }
  };
  iterator begin() const { return {}; }
  iterator end() const { return {}; }
};

TEST(ListArg, RefusesRangesOfTemporaries) {
  static_assert(!std::is_constructible_v<list_arg<string_ref>, const made_on_the_fly&>);
  static_assert(std::is_constructible_v<list_arg<string_ref>, const std::vector<std::string>&>);
  // A pair whose second is no qos is not a filter_qos (an int would be a
  // hard error further in).
  static_assert(!std::is_convertible_v<std::pair<std::string, int>, filter_qos>);
  static_assert(std::is_convertible_v<std::pair<std::string, qos>, filter_qos>);
}

TEST(ListArg, TakesBracedListsAndContainers) {
  EXPECT_EQ(filters_of(list_arg<string_ref>{"a", "b/#"}), (std::vector<std::string>{"a", "b/#"}));
  std::vector<std::string> v{"x", "y"};
  EXPECT_EQ(filters_of(list_arg<string_ref>(v)), v);
  std::vector<std::pair<std::string, qos>> pairs{{"a/+", qos::at_least_once}, {"b", qos::exactly_once}};
  EXPECT_EQ(filters_of(list_arg<filter_qos>(pairs)), pairs);
  EXPECT_EQ(filters_of(list_arg<filter_qos>{{"a/+", qos::at_least_once}, {"b", qos::exactly_once}}), pairs);
  EXPECT_TRUE(list_arg<string_ref>(std::vector<std::string>{}).items().empty());
}

TEST(PayloadRef, ACopyOfItKeepsTheMove) {
  // client::publish without a completion passes its payload_ref on: the
  // copy must still move the vector, not copy it.
  std::vector<std::byte> bytes(64, std::byte{3});
  const std::byte* where = bytes.data();
  payload_ref first = std::move(bytes);
  payload_ref second = first;
  EXPECT_EQ(take_payload(second).data(), where);
}

TEST(PayloadRef, MovesAnRvalueByteVectorAndCopiesAnythingElse) {
  std::vector<std::byte> bytes(100, std::byte{7});
  const std::byte* where = bytes.data();
  byte_buffer moved = take_payload(payload_ref(std::move(bytes)));
  EXPECT_EQ(moved.data(), where);  // the same allocation: no copy
  EXPECT_TRUE(bytes.empty());      // NOLINT: moved from

  byte_buffer buffer(std::string_view("abc"));
  const std::byte* buffer_at = buffer.data();
  byte_buffer from_buffer = take_payload(payload_ref(std::move(buffer)));
  EXPECT_EQ(from_buffer.data(), buffer_at);

  std::vector<std::byte> kept(3, std::byte{1});
  byte_buffer copied = take_payload(payload_ref(kept));
  EXPECT_EQ(kept.size(), 3u);
  EXPECT_NE(copied.data(), kept.data());
  EXPECT_EQ(copied.size(), 3u);

  std::string text_payload = "on";
  payload_ref p = text_payload;
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(static_cast<const void*>(p.data()), static_cast<const void*>(text_payload.data()));
  EXPECT_EQ(payload_ref("hello").size(), 5u);
  EXPECT_EQ(payload_ref(static_cast<const char*>(nullptr)).size(), 0u);
}

}  // namespace
}  // namespace tern
