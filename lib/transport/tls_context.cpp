#include "transport/tls_context.hpp"

#if TERN_HAS_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tern::transport {
namespace {

std::string openssl_reason(const std::error_code& ec) {
  std::string s = ec.message();
  if (unsigned long e = ERR_peek_last_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += " (";
    s += buf;
    s += ")";
  }
  ERR_clear_error();
  return s;
}

}  // namespace

result<std::shared_ptr<asio::ssl::context>> make_tls_context(const tls_options& o, std::string& detail) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  auto fail = [&](const char* what, const std::error_code& ec) -> result<std::shared_ptr<asio::ssl::context>> {
    detail = std::string(what) + ": " + openssl_reason(ec);
    return transport_errc::tls_setup_failed;
  };
  std::error_code ec;
  // Never below TLS 1.2 unless asked for 1.3, which raises the floor further.
  int min = o.min_version == tls_options::version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), min) != 1) return fail("minimum TLS version", ec);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression, ec);

  if (o.ca_file.empty() && o.ca_path.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return fail("system CA store", ec);
  }
  if (!o.ca_file.empty()) {
    ctx->load_verify_file(o.ca_file, ec);
    if (ec) return fail(("CA file " + o.ca_file).c_str(), ec);
  }
  if (!o.ca_path.empty()) {
    ctx->add_verify_path(o.ca_path, ec);
    if (ec) return fail(("CA directory " + o.ca_path).c_str(), ec);
  }
  if (!o.key_password.empty()) {
    std::string pw = o.key_password;
    ctx->set_password_callback([pw](std::size_t, asio::ssl::context::password_purpose) { return pw; }, ec);
  }
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file, ec);
    if (ec) return fail(("client certificate " + o.cert_file).c_str(), ec);
    ctx->use_private_key_file(o.key_file.empty() ? o.cert_file : o.key_file, asio::ssl::context::pem, ec);
    if (ec) return fail("client key", ec);
  }
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx->native_handle(), o.ciphers.c_str()) != 1)
    return fail(("cipher list " + o.ciphers).c_str(), ec);

  switch (o.cert_reqs) {
    case tls_options::requirement::none: ctx->set_verify_mode(asio::ssl::verify_none, ec); break;
    // "optional" as in paho/ssl.CERT_OPTIONAL: verify what the broker sends.
    case tls_options::requirement::optional:
    case tls_options::requirement::required: ctx->set_verify_mode(asio::ssl::verify_peer, ec); break;
  }
  return ctx;
}

}  // namespace tern::transport
#endif
