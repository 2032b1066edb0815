#include "transport/websocket/handshake.hpp"

#include <algorithm>

#include "transport/websocket/base64.hpp"
#include "transport/websocket/sha1.hpp"

namespace tern::websocket {
namespace {

constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // 1.3
constexpr std::string_view crlf = "\r\n";

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 7230 3.2.6 tchar.
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// No byte that ends a line or the string early: CR, LF, NUL.
bool is_safe_value(std::string_view s) noexcept { return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos; }

// No control characters, spaces or DEL: what may appear in a request target or Host.
bool is_visible(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7F; });
}

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool list_contains(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == value.npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Calls f(name, value) for each header line after the status line of a
// complete header `h`; false for a malformed line.
template <class F>
bool for_each_header(std::string_view h, F&& f) {
  auto eol = h.find(crlf);
  h.remove_prefix(eol + 2);
  while (true) {
    eol = h.find(crlf);
    auto line = h.substr(0, eol);
    if (line.empty()) return true;  // the empty line that ends the header
    auto colon = line.find(':');
    if (colon == line.npos) return false;
    auto name = line.substr(0, colon);
    // No whitespace before the colon (RFC 7230 3.2.4) and no obsolete line folding.
    if (!is_token(name)) return false;
    f(name, trim(line.substr(colon + 1)));
    h.remove_prefix(eol + 2);
  }
}

}  // namespace

std::string make_key(std::span<const std::byte, 16> random) {
  std::string key;
  base64_append(random, key);
  return key;
}

std::string accept_for(std::string_view key) {
  sha1 s;
  s.update(as_bytes(key));
  s.update(as_bytes(accept_guid));
  auto digest = s.finish();
  std::string out;
  base64_append(digest, out);
  return out;
}

std::error_code build_upgrade_request(const upgrade_target& t, std::string_view key, std::string& out) {
  if (t.host.empty() || !is_visible(t.host) || t.path.empty() || t.path.front() != '/' || !is_visible(t.path) ||
      key.size() != base64_size(16) || !is_visible(key))
    return errc::invalid_argument;
  for (const auto& h : t.extra_headers) {
    if (!is_token(h.name) || !is_safe_value(h.value)) return errc::invalid_argument;
    if (iequals(h.name, "host") || iequals(h.name, "upgrade") || iequals(h.name, "connection") ||
        (h.name.size() >= 14 && iequals(h.name.substr(0, 14), "sec-websocket-")))
      return errc::invalid_argument;
  }
  // An IPv6 literal goes in brackets (RFC 3986 3.2.2).
  const bool bracket = t.host.find(':') != t.host.npos && t.host.front() != '[';
  const bool default_port = t.port == (t.secure ? 443 : 80);
  out.append("GET ").append(t.path).append(" HTTP/1.1\r\nHost: ");
  if (bracket) out += '[';
  out.append(t.host);
  if (bracket) out += ']';
  if (!default_port) out.append(":").append(std::to_string(t.port));
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
      .append(key)
      .append("\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ")
      .append(mqtt_subprotocol)
      .append(crlf);
  for (const auto& h : t.extra_headers) out.append(h.name).append(": ").append(h.value).append(crlf);
  out.append(crlf);
  return {};
}

response_parser::response_parser(std::string_view key, std::size_t max_header)
    : expected_accept_(accept_for(key)), max_header_(max_header) {}

void response_parser::reset(std::string_view key) {
  expected_accept_ = accept_for(key);
  buf_.clear();
  end_ = 0;
  status_ = 0;
  reason_at_ = reason_size_ = 0;
  error_ = {};
}

handshake_result response_parser::feed(bytes_view in) {
  if (error_) return error_;
  if (end_) return handshake_complete{0};
  const std::size_t old = buf_.size();
  const std::size_t take = std::min(in.size(), max_header_ - old);
  buf_.append(as_chars(in.first(take)));
  // Resume the search where the previous piece could have begun "\r\n\r\n".
  auto at = buf_.find("\r\n\r\n", old < 3 ? 0 : old - 3);
  if (at == buf_.npos) {
    if (buf_.size() >= max_header_) return error_ = websocket_errc::header_too_large;
    std::string_view tail(buf_);
    std::size_t matched = tail.ends_with("\r\n\r") ? 3 : tail.ends_with("\r\n") ? 2 : tail.ends_with('\r') ? 1 : 0;
    return need_more{4 - matched};
  }
  end_ = at + 4;
  buf_.resize(end_);  // frame bytes after the header are the caller's
  if (auto ec = validate()) return error_ = ec;
  return handshake_complete{end_ - old};
}

std::error_code response_parser::validate() {
  std::string_view h(buf_);
  auto status_line = h.substr(0, h.find(crlf));
  // "HTTP/1.1 101 Switching Protocols" (RFC 7230 3.1.2); the reason may be empty.
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ')
    return websocket_errc::bad_response;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (status_line[i] < '0' || status_line[i] > '9') return websocket_errc::bad_response;
    status = status * 10 + (status_line[i] - '0');
  }
  if (status_line.size() > 12 && status_line[12] != ' ') return websocket_errc::bad_response;
  status_ = status;
  if (status_line.size() > 12) reason_at_ = 13, reason_size_ = status_line.size() - 13;
  if (status != 101) return websocket_errc::handshake_failed;

  bool upgrade = false, connection = false, extension = false;
  int accepts = 0, protocols = 0;
  bool accept_ok = false, protocol_ok = false;
  bool well_formed = for_each_header(h, [&](std::string_view name, std::string_view value) {
    if (iequals(name, "upgrade")) upgrade = upgrade || list_contains(value, "websocket");
    else if (iequals(name, "connection")) connection = connection || list_contains(value, "upgrade");
    else if (iequals(name, "sec-websocket-accept")) ++accepts, accept_ok = value == expected_accept_;
    else if (iequals(name, "sec-websocket-extensions")) extension = extension || !value.empty();
    else if (iequals(name, "sec-websocket-protocol")) ++protocols, protocol_ok = value == mqtt_subprotocol;
  });
  if (!well_formed) return websocket_errc::bad_response;
  if (!upgrade || !connection) return websocket_errc::bad_upgrade;
  if (accepts != 1 || !accept_ok) return websocket_errc::bad_accept;
  if (extension) return websocket_errc::unexpected_extension;
  if (protocols != 1 || !protocol_ok) return websocket_errc::no_mqtt_subprotocol;  // [MQTT-6.0.0-4]
  return {};
}

std::optional<std::string_view> response_parser::header(std::string_view name) const noexcept {
  if (!end_) return std::nullopt;
  std::optional<std::string_view> found;
  for_each_header(std::string_view(buf_), [&](std::string_view n, std::string_view v) {
    if (!found && iequals(n, name)) found = v;
  });
  return found;
}

}  // namespace tern::websocket
