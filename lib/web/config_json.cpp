// A strict parser of one flat JSON object of configuration keys (RFC 8259
// syntax; values limited to what a configuration needs).

#include <charconv>
#include <cmath>

#include "tern/web/config.hpp"

namespace tern::web {

namespace {

class json_parser {
 public:
  json_parser(std::string_view text, std::string_view origin) : s_(text), origin_(origin) {}

  config_map parse_object() {
    config_map out;
    skip_ws();
    expect('{', "the file must hold one JSON object");
    skip_ws();
    if (peek() == '}') {
      ++i_;
    } else {
      for (;;) {
        skip_ws();
        if (peek() != '"') throw fail("expected a key in double quotes");
        auto key = parse_string();
        skip_ws();
        expect(':', "expected ':' after the key");
        skip_ws();
        auto value = parse_value(key);
        if (out.get(key)) throw fail("duplicate key " + key);
        out.set(key, std::move(value));
        skip_ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}', "expected ',' or '}'");
        break;
      }
    }
    skip_ws();
    if (i_ != s_.size()) throw fail("unexpected text after the object");
    return out;
  }

 private:
  config_error fail(const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) line += s_[k] == '\n';
    return config_error(std::string(origin_) + ":" + std::to_string(line) + ": " + what);
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void expect(char c, const char* what) {
    if (peek() != c) throw fail(what);
    ++i_;
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool take_word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  config_value parse_value(const std::string& key) {
    char c = peek();
    if (c == '"') return parse_string();
    if (c == '[') return parse_array(key);
    if (c == '{') throw fail(key + ": nested objects are not supported");
    if (take_word("true")) return true;
    if (take_word("false")) return false;
    if (take_word("null")) return std::monostate{};
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    throw fail(key + ": expected a string, a number, true, false, null or an array of strings");
  }

  config_value parse_array(const std::string& key) {
    ++i_;
    std::vector<std::string> items;
    skip_ws();
    if (peek() == ']') {
      ++i_;
      return items;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') throw fail(key + ": arrays may hold strings only");
      items.push_back(parse_string());
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(']', "expected ',' or ']'");
      return items;
    }
  }

  config_value parse_number() {
    std::size_t start = i_;
    if (peek() == '-') ++i_;
    if (peek() == '0') {
      ++i_;
    } else {
      if (!(peek() >= '1' && peek() <= '9')) throw fail("malformed number");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    bool integral = true;
    if (peek() == '.') {
      integral = false;
      ++i_;
      if (!(peek() >= '0' && peek() <= '9')) throw fail("malformed number");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!(peek() >= '0' && peek() <= '9')) throw fail("malformed number");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    auto text = s_.substr(start, i_ - start);
    if (integral) {
      std::int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return v;
      throw fail("integer out of range: " + std::string(text));
    }
    double d = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ec != std::errc() || !std::isfinite(d)) throw fail("number out of range: " + std::string(text));
    return d;
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) throw fail("truncated \\u escape");
    unsigned v = 0;
    auto r = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, v, 16);
    if (r.ptr != s_.data() + i_ + 4) throw fail("malformed \\u escape");
    i_ += 4;
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    ++i_;  // the opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) throw fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) throw fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) throw fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!take_word("\\u")) throw fail("lone surrogate in a \\u escape");
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) throw fail("lone surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            throw fail("lone surrogate in a \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default: throw fail(std::string("unknown escape \\") + e);
      }
    }
  }

  std::string_view s_;
  std::string_view origin_;
  std::size_t i_ = 0;
};

}  // namespace

config_map parse_json_config(std::string_view text, std::string_view origin) {
  return json_parser(text, origin).parse_object();
}

}  // namespace tern::web
