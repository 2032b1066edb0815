// HTTP CONNECT: one request, one response header; a 2xx status opens the
// tunnel (RFC 9110 9.3.6: no body follows it).

#include <algorithm>
#include <charconv>

#include "tern/transport_error.hpp"
#include "transport/proxy/handshake.hpp"
#include "transport/websocket/base64.hpp"

namespace tern::transport::proxy {
namespace {

// Larger than any proxy's status line and headers; a peer that sends more
// without the empty line is not an HTTP proxy.
constexpr std::size_t max_response_header = 16 * 1024;

bool header_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x21 || c == 0x7f; });
}

void append(std::vector<std::byte>& out, std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  out.insert(out.end(), p, p + s.size());
}

class http_connect final : public handshake {
 public:
  std::error_code start(const tunnel_request& r, std::vector<std::byte>& out) override {
    if (r.host.empty() || !header_safe(r.host)) return transport_errc::invalid_proxy_uri;
    has_credentials_ = r.has_credentials;
    // GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string chains: appends instead.
    bool v6 = r.host.find(':') != std::string_view::npos;
    std::string authority;
    authority.append(v6 ? "[" : "").append(r.host).append(v6 ? "]:" : ":").append(std::to_string(r.port));
    std::string req;
    req.append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
    if (r.has_credentials) {
      std::string pair = std::string(r.user) + ":" + std::string(r.password);
      req += "Proxy-Authorization: Basic ";
      websocket::base64_append(std::as_bytes(std::span(pair.data(), pair.size())), req);
      req += "\r\n";
    }
    req += "\r\n";
    append(out, req);
    return {};
  }

  // The outcome never depends on how the answer was cut: the same checks,
  // in the same order, on what has come so far (fuzz/proxy_fuzzer.cpp).
  std::error_code on_bytes(bytes_view in, std::vector<std::byte>&) override {
    if (in.empty()) return {};
    if (done_) return extra_bytes();
    auto before = head_.size();
    head_.append(reinterpret_cast<const char*>(in.data()), in.size());
    // Garbage is told at its first byte that cannot begin "HTTP/1.", not after 16 KiB.
    constexpr std::string_view prefix = "HTTP/1.";
    for (std::size_t i = 0; i < std::min(head_.size(), prefix.size()); ++i)
      if (head_[i] != prefix[i]) return garbage("not an HTTP response");
    auto end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string::npos ? head_.size() >= max_response_header : end + 4 > max_response_header)
      return garbage("no end to its response header");
    if (end == std::string::npos) return {};
    if (auto ec = on_header(std::string_view(head_).substr(0, end))) return ec;
    if (head_.size() == end + 4) return {};
    return extra_bytes();
  }

  bool done() const noexcept override { return done_; }

 private:
  std::error_code on_header(std::string_view header) {
    auto line = header.substr(0, header.find("\r\n"));
    // "HTTP/1.1 200 Connection established": version, space, three digits, then the reason.
    if (line.size() < 12 || line[8] != ' ') return garbage("not an HTTP status line");
    int status = 0;
    auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
    if (ec != std::errc{} || p != line.data() + 12 || (line.size() > 12 && line[12] != ' '))
      return garbage("not an HTTP status line");
    auto reason = line.size() > 13 ? line.substr(13) : std::string_view{};
    detail_.assign("HTTP ").append(std::to_string(status));
    if (!reason.empty()) detail_.append(" ").append(reason);
    if (status >= 200 && status < 300) {
      done_ = true;
      return {};
    }
    // 401 is not what RFC 9110 has a proxy answer, but tinyproxy does.
    if (status == 407 || status == 401) {
      if (!has_credentials_) detail_ += " (the proxy URL has no user and password)";
      return transport_errc::proxy_auth_failed;
    }
    return transport_errc::proxy_refused;
  }

  // Quotes what came so far, so how much depends on how the answer was cut.
  std::error_code garbage(std::string_view why) {
    auto shown = head_.substr(0, std::min<std::size_t>(head_.size(), 40));
    std::replace_if(shown.begin(), shown.end(), [](char c) { return c < 0x20 || c > 0x7e; }, '.');
    detail_ = "HTTP proxy: " + std::string(why) + " (it began \"" + shown + "\")";
    return transport_errc::proxy_protocol_error;
  }

  std::error_code extra_bytes() {
    done_ = false;
    detail_ = "HTTP proxy: bytes after its answer, before the client spoke";
    return transport_errc::proxy_protocol_error;
  }

  std::string head_;
  bool has_credentials_ = false;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<handshake> make_http_connect() { return std::make_unique<http_connect>(); }

}  // namespace tern::transport::proxy
