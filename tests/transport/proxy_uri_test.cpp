// Proxy URLs (proxy_options::url).

#include <gtest/gtest.h>

#include "transport/uri.hpp"

namespace tern::test::proxy_uri_test {
namespace {

using transport::proxy_uri;

TEST(ProxyUri, SchemesDefaultsAndCredentials) {
  struct row {
    const char* url;
    proxy_uri::kind type;
    const char* host;
    std::uint16_t port;
    bool credentials;
    const char* user;
    const char* password;
    const char* display;
  } table[] = {
      {"http://proxy", proxy_uri::kind::http, "proxy", 8080, false, "", "", "http://proxy:8080"},
      {"http://proxy:3128/", proxy_uri::kind::http, "proxy", 3128, false, "", "", "http://proxy:3128"},
      {"socks5h://127.0.0.1", proxy_uri::kind::socks5, "127.0.0.1", 1080, false, "", "", "socks5h://127.0.0.1:1080"},
      {"socks5://[::1]:9050", proxy_uri::kind::socks5, "::1", 9050, false, "", "", "socks5://[::1]:9050"},
      {"http://alice:s3cret@proxy:8888", proxy_uri::kind::http, "proxy", 8888, true, "alice", "s3cret",
       "http://proxy:8888"},
      {"socks5h://bob@p", proxy_uri::kind::socks5, "p", 1080, true, "bob", "", "socks5h://p:1080"},
      // Percent-encoded: '@' and ':' in a password, a space in a user name.
      {"http://a%20b:p%40ss%3Aword@p:1", proxy_uri::kind::http, "p", 1, true, "a b", "p@ss:word", "http://p:1"},
  };
  for (const auto& r : table) {
    auto p = transport::parse_proxy_uri(r.url);
    ASSERT_TRUE(p) << r.url << ": " << p.error().message();
    EXPECT_EQ(p->type, r.type) << r.url;
    EXPECT_EQ(p->host, r.host) << r.url;
    EXPECT_EQ(p->port, r.port) << r.url;
    EXPECT_EQ(p->has_credentials, r.credentials) << r.url;
    EXPECT_EQ(p->user, r.user) << r.url;
    EXPECT_EQ(p->password, r.password) << r.url;
    EXPECT_EQ(p->display, r.display) << r.url;
  }
}

TEST(ProxyUri, WhatCannotBeParsed) {
  for (const char* bad : {"", "proxy:8080", "https://proxy", "socks4://p", "ftp://p", "http://", "http://:8080",
                          "http://p:0", "http://p:65536", "http://p:x", "http://p/path", "http://[::1",
                          "http://:pw@p", "http://u%4@p", "http://u%zz@p"}) {
    auto p = transport::parse_proxy_uri(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error(), transport_errc::invalid_proxy_uri) << bad;
  }
}

}  // namespace
}  // namespace tern::test::proxy_uri_test
