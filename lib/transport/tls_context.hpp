#pragma once
// Builds the OpenSSL context for mqtts:// and wss:// from tls_options, and
// checks what the handshake negotiated.

#include <memory>
#include <string>

#include "tern/result.hpp"
#include "tern/transport.hpp"
#include "tern/transport_error.hpp"

#if TERN_HAS_TLS
#include <asio/ssl.hpp>
#endif

namespace tern::transport {

#if TERN_HAS_TLS
/// Verification on by default (certificate chain and host name), TLS 1.2 as
/// the minimum. Errors: `transport_errc::tls_setup_failed`, with OpenSSL's
/// reason in `detail`.
result<std::shared_ptr<asio::ssl::context>> make_tls_context(const tls_options& options, std::string& detail);

/// The verification callback of a handshake with the broker named `host`:
/// OpenSSL's verdict on the chain, then (unless `insecure`) the host name.
/// A refusal says why in `detail`.
bool verify_broker(bool preverified, asio::ssl::verify_context& vc, const std::string& host, bool insecure,
                   std::string& detail);

/// After the handshake: when `options.alpn` offered protocols, the broker
/// must have selected one. Error: `transport_errc::alpn_refused`, naming
/// what was offered in `detail`.
std::error_code check_alpn(SSL* ssl, const tls_options& options, std::string& detail);

/// A failed handshake: a broker with ALPN of its own and no protocol in
/// common ends it with a no_application_protocol alert (RFC 7301 3.2);
/// that is `transport_errc::alpn_refused` too. Any other error is returned
/// as it is.
std::error_code alpn_alert(std::error_code handshake_error, const tls_options& options, std::string& detail);
#endif

}  // namespace tern::transport
