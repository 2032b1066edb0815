// SOCKS5: method selection, then user/password authentication when the
// proxy picks it, then CONNECT; each answer has a length known from its
// first bytes (RFC 1928 3, 6; RFC 1929 2).

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "tern/transport_error.hpp"
#include "transport/proxy/handshake.hpp"

namespace tern::transport::proxy {
namespace {

constexpr std::uint8_t version = 5;
constexpr std::uint8_t no_auth = 0x00, user_password = 0x02, no_acceptable = 0xff;
constexpr std::uint8_t atyp_ipv4 = 1, atyp_name = 3, atyp_ipv6 = 4;

const char* reply_text(std::uint8_t rep) {
  switch (rep) {
    case 1: return "general SOCKS server failure";
    case 2: return "connection not allowed by ruleset";
    case 3: return "network unreachable";
    case 4: return "host unreachable";
    case 5: return "connection refused";
    case 6: return "TTL expired";
    case 7: return "command not supported";
    case 8: return "address type not supported";
    default: return "unassigned reply code";
  }
}

class socks5 final : public handshake {
 public:
  std::error_code start(const tunnel_request& r, std::vector<std::byte>& out) override {
    if (r.host.empty() || (r.has_credentials && (r.user.empty() || r.user.size() > 255 || r.password.size() > 255)))
      return transport_errc::invalid_proxy_uri;
    // The CONNECT request is made now, so that a host SOCKS cannot carry fails before the network.
    connect_ = {std::byte{version}, std::byte{1}, std::byte{0}};
    std::array<unsigned char, 16> ip{};
    std::string host(r.host);
    if (inet_pton(AF_INET, host.c_str(), ip.data()) == 1) {
      connect_.push_back(std::byte{atyp_ipv4});
      put(connect_, ip.data(), 4);
    } else if (inet_pton(AF_INET6, host.c_str(), ip.data()) == 1) {
      connect_.push_back(std::byte{atyp_ipv6});
      put(connect_, ip.data(), 16);
    } else {
      if (host.size() > 255) return transport_errc::invalid_proxy_uri;
      connect_.push_back(std::byte{atyp_name});
      connect_.push_back(static_cast<std::byte>(host.size()));
      put(connect_, host.data(), host.size());
    }
    connect_.push_back(static_cast<std::byte>(r.port >> 8));
    connect_.push_back(static_cast<std::byte>(r.port & 0xff));
    if (r.has_credentials) {
      auth_ = {std::byte{1}, static_cast<std::byte>(r.user.size())};
      put(auth_, r.user.data(), r.user.size());
      auth_.push_back(static_cast<std::byte>(r.password.size()));
      put(auth_, r.password.data(), r.password.size());
    }
    has_credentials_ = r.has_credentials;
    // Offering no authentication too: a proxy that needs none picks it.
    out.push_back(std::byte{version});
    if (r.has_credentials) {
      out.insert(out.end(), {std::byte{2}, std::byte{no_auth}, std::byte{user_password}});
    } else {
      out.insert(out.end(), {std::byte{1}, std::byte{no_auth}});
    }
    phase_ = phase::method;
    return {};
  }

  std::error_code on_bytes(bytes_view in, std::vector<std::byte>& out) override {
    for (auto b : in) {
      if (phase_ == phase::failed) return transport_errc::proxy_protocol_error;
      if (phase_ == phase::open) {
        phase_ = phase::failed;
        return protocol("bytes after its CONNECT reply, before the client spoke");
      }
      got_.push_back(static_cast<std::uint8_t>(b));
      if (got_.size() < wanted()) continue;
      if (auto ec = on_answer(out)) {
        phase_ = phase::failed;
        return ec;
      }
      got_.clear();
    }
    return {};
  }

  bool done() const noexcept override { return phase_ == phase::open; }

 private:
  enum class phase : std::uint8_t { idle, method, auth, connect, open, failed };

  static void put(std::vector<std::byte>& v, const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    v.insert(v.end(), b, b + n);
  }

  // Bytes of the answer the phase waits for, as far as the first ones tell.
  std::size_t wanted() const {
    if (phase_ != phase::connect) return 2;
    if (got_.size() < 5) return 5;  // VER REP RSV ATYP and a first address byte
    switch (got_[3]) {
      case atyp_ipv4: return 4 + 4 + 2;
      case atyp_ipv6: return 4 + 16 + 2;
      case atyp_name: return 4 + 1 + got_[4] + 2;
      default: return 5;  // on_answer rejects it
    }
  }

  std::error_code on_answer(std::vector<std::byte>& out) {
    switch (phase_) {
      case phase::method: return on_method(out);
      case phase::auth:
        // RFC 1929's version byte is 1; some proxies answer 5. Only the status matters.
        if (got_[1] != 0) {
          detail_ = "SOCKS5 proxy refused the user name and password (status " + std::to_string(got_[1]) + ")";
          return transport_errc::proxy_auth_failed;
        }
        out.insert(out.end(), connect_.begin(), connect_.end());
        phase_ = phase::connect;
        return {};
      case phase::connect: return on_connect_reply();
      default: return protocol("an answer nobody asked for");
    }
  }

  std::error_code on_method(std::vector<std::byte>& out) {
    if (got_[0] != version) return protocol("not a SOCKS5 proxy (version " + std::to_string(got_[0]) + ")");
    if (got_[1] == no_acceptable) {
      detail_ = std::string("SOCKS5 proxy accepts none of the methods offered (") +
                (has_credentials_ ? "none, user/password" : "none; the proxy URL has no user and password") + ")";
      return transport_errc::proxy_auth_failed;
    }
    if (got_[1] == no_auth) {
      out.insert(out.end(), connect_.begin(), connect_.end());
      phase_ = phase::connect;
      return {};
    }
    if (got_[1] == user_password && has_credentials_) {
      out.insert(out.end(), auth_.begin(), auth_.end());
      phase_ = phase::auth;
      return {};
    }
    return protocol("it chose method " + std::to_string(got_[1]) + ", which was not offered");
  }

  std::error_code on_connect_reply() {
    if (got_[0] != version) return protocol("a CONNECT reply of version " + std::to_string(got_[0]));
    if (got_[3] != atyp_ipv4 && got_[3] != atyp_ipv6 && got_[3] != atyp_name)
      return protocol("a CONNECT reply with address type " + std::to_string(got_[3]));
    if (got_[1] != 0) {
      detail_ = "SOCKS5 reply " + std::to_string(got_[1]) + ": " + reply_text(got_[1]);
      return transport_errc::proxy_refused;
    }
    detail_ = "SOCKS5 reply 0: succeeded";
    phase_ = phase::open;
    return {};
  }

  std::error_code protocol(const std::string& why) {
    detail_ = "SOCKS5 proxy: " + why;
    return transport_errc::proxy_protocol_error;
  }

  phase phase_ = phase::idle;
  bool has_credentials_ = false;
  std::vector<std::byte> connect_, auth_;
  std::vector<std::uint8_t> got_;
};

}  // namespace

std::unique_ptr<handshake> make_socks5() { return std::make_unique<socks5>(); }

}  // namespace tern::transport::proxy
