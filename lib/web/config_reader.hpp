#pragma once
// Reading one configuration key as a type (string, integer in a range,
// boolean, seconds, payload, list, choice), with the error a user sees
// for a value of the wrong kind. The key table (config_keys.cpp) reads
// every key through it.

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tern/web/config.hpp"

namespace tern::web::detail {

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline std::string describe(const config_value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) return "null";
        else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<X, std::int64_t>) return "the integer " + std::to_string(x);
        else if constexpr (std::is_same_v<X, double>) return "the number " + std::to_string(x);
        else if constexpr (std::is_same_v<X, std::string>) return "'" + x + "'";
        else return "a list";
      },
      v);
}

inline std::string number_text(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// Reads one key: each getter returns nullopt when the key is absent or null.
class reader {
 public:
  reader(const config_source& src, std::string_view prefix) : src_(src), prefix_(prefix) {}

  std::string name(std::string_view suffix) const { return std::string(prefix_) + "_" + std::string(suffix); }

  std::optional<config_value> raw(std::string_view suffix) const {
    auto v = src_.get(name(suffix));
    if (!v || std::holds_alternative<std::monostate>(*v)) return std::nullopt;
    return v;
  }

  [[noreturn]] void wrong(std::string_view suffix, std::string_view expected, const config_value& got) const {
    throw config_error(name(suffix) + ": expected " + std::string(expected) + ", got " + describe(got));
  }

  std::optional<std::string> string(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) return *s;
    wrong(suffix, "a string", *v);
  }

  std::optional<std::int64_t> integer(std::string_view suffix, std::int64_t lo, std::int64_t hi) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    auto expected = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    std::int64_t n = 0;
    if (auto* i = std::get_if<std::int64_t>(&*v)) {
      n = *i;
    } else if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = trim(*s);
      auto r = std::from_chars(t.data(), t.data() + t.size(), n);
      if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) wrong(suffix, expected, *v);
    } else {
      wrong(suffix, expected, *v);
    }
    if (n < lo || n > hi) wrong(suffix, expected, *v);
    return n;
  }

  std::optional<bool> boolean(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* b = std::get_if<bool>(&*v)) return *b;
    if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = upper(trim(*s));
      if (t == "TRUE" || t == "1" || t == "YES" || t == "ON") return true;
      if (t == "FALSE" || t == "0" || t == "NO" || t == "OFF") return false;
    }
    wrong(suffix, "a boolean (true/false, 1/0, yes/no, on/off)", *v);
  }

  /// A number of seconds (fractions too), to the millisecond.
  std::optional<std::chrono::milliseconds> seconds(std::string_view suffix) const {
    return seconds_as<std::chrono::milliseconds>(suffix);
  }
  /// A number of seconds, to the microsecond: for the short durations. At
  /// most `most` seconds; `expected` says what the key takes when it is not.
  std::optional<std::chrono::microseconds> seconds_us(std::string_view suffix, double most = 1e9,
                                                      std::string_view expected = seconds_expected) const {
    return seconds_as<std::chrono::microseconds>(suffix, most, expected);
  }

  std::optional<std::string> payload(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) return *s;
    if (auto* i = std::get_if<std::int64_t>(&*v)) return std::to_string(*i);
    if (auto* f = std::get_if<double>(&*v)) return number_text(*f);
    wrong(suffix, "a string or a number", *v);
  }

  std::optional<std::vector<std::string>> list(std::string_view suffix) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* l = std::get_if<std::vector<std::string>>(&*v)) return *l;
    if (auto* s = std::get_if<std::string>(&*v)) {
      std::vector<std::string> out;
      std::string_view rest = *s;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = trim(rest.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
      return out;
    }
    wrong(suffix, "a list of strings (or comma-separated text)", *v);
  }

  // A word from `words` (ignoring case), or an integer from `numbers`; returns the index.
  std::optional<std::size_t> choice(std::string_view suffix, std::initializer_list<std::string_view> words,
                                    std::initializer_list<std::pair<std::int64_t, std::size_t>> numbers,
                                    std::string_view expected) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&*v)) {
      std::size_t k = 0;
      for (auto w : words) {
        if (iequals(trim(*s), w)) return k;
        ++k;
      }
    } else if (auto* i = std::get_if<std::int64_t>(&*v)) {
      for (auto [n, k] : numbers)
        if (n == *i) return k;
    }
    wrong(suffix, expected, *v);
  }

 private:
  static constexpr std::string_view seconds_expected = "a number of seconds (0 or more)";

  template <class Duration>
  std::optional<Duration> seconds_as(std::string_view suffix, double most = 1e9,
                                     std::string_view expected = seconds_expected) const {
    auto v = raw(suffix);
    if (!v) return std::nullopt;
    double d = -1;
    if (auto* i = std::get_if<std::int64_t>(&*v)) d = static_cast<double>(*i);
    else if (auto* f = std::get_if<double>(&*v)) d = *f;
    else if (auto* s = std::get_if<std::string>(&*v)) {
      auto t = trim(*s);
      auto r = std::from_chars(t.data(), t.data() + t.size(), d);
      if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) d = -1;
    }
    if (!(d >= 0) || !std::isfinite(d) || d > most) wrong(suffix, expected, *v);
    constexpr double per_second = static_cast<double>(Duration::period::den) / Duration::period::num;
    return Duration(static_cast<typename Duration::rep>(std::llround(d * per_second)));
  }
  const config_source& src_;
  std::string_view prefix_;
};

}  // namespace tern::web::detail
