#include "transport/tls_context.hpp"

#if TERN_HAS_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

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

  if (!o.alpn.empty()) {
    // RFC 7301 3.1: each name prefixed by its length, one byte.
    std::string wire;
    for (const auto& name : o.alpn) {
      if (name.empty() || name.size() > 255) {
        detail = "ALPN protocol names are 1 to 255 bytes; \"" + name.substr(0, 40) + "\" is " +
                 std::to_string(name.size());
        return transport_errc::tls_setup_failed;
      }
      wire += static_cast<char>(name.size());
      wire += name;
    }
    // Unlike the rest of OpenSSL, 0 is success here.
    if (SSL_CTX_set_alpn_protos(ctx->native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0)
      return fail("ALPN protocol list", ec);
  }

  switch (o.cert_reqs) {
    case tls_options::requirement::none: ctx->set_verify_mode(asio::ssl::verify_none, ec); break;
    // "optional" as in paho/ssl.CERT_OPTIONAL: verify what the broker sends.
    case tls_options::requirement::optional:
    case tls_options::requirement::required: ctx->set_verify_mode(asio::ssl::verify_peer, ec); break;
  }
  return ctx;
}

bool verify_broker(bool preverified, asio::ssl::verify_context& vc, const std::string& host, bool insecure,
                   std::string& detail) {
  if (!preverified) {
    int err = X509_STORE_CTX_get_error(vc.native_handle());
    detail = std::string("certificate verification failed: ") + X509_verify_cert_error_string(err);
    return false;
  }
  if (insecure) return true;  // the chain is verified; only the host name check is skipped
  bool ok = asio::ssl::host_name_verification(host)(preverified, vc);
  if (!ok) detail = "certificate does not match the host name '" + host + "'";
  return ok;
}

namespace {
std::string offered(const tls_options& o) {
  std::string list;
  for (std::size_t i = 0; i < o.alpn.size(); ++i) list += (i ? ", " : "") + o.alpn[i];
  return list;
}
}  // namespace

std::error_code alpn_alert(std::error_code handshake_error, const tls_options& o, std::string& detail) {
  if (o.alpn.empty() || handshake_error.category() != asio::error::get_ssl_category() ||
      ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value())) != SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL)
    return handshake_error;
  detail = "the broker accepted none of the ALPN protocols offered (" + offered(o) +
           "): it ended the TLS handshake with a no_application_protocol alert";
  return transport_errc::alpn_refused;
}

std::error_code check_alpn(SSL* ssl, const tls_options& o, std::string& detail) {
  if (o.alpn.empty()) return {};
  const unsigned char* selected = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl, &selected, &len);
  if (selected != nullptr && len != 0) return {};
  detail = "the broker selected none of the ALPN protocols offered (" + offered(o) + ")";
  return transport_errc::alpn_refused;
}

}  // namespace tern::transport
#endif

namespace tern {

bool is_tls_error(std::error_code ec) noexcept {
  if (ec == transport_errc::tls_setup_failed) return true;
#if TERN_HAS_TLS
  return ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category();
#else
  return false;
#endif
}

}  // namespace tern
