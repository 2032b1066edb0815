#pragma once
// Builds the OpenSSL context for mqtts:// and wss:// from tls_options.

#include <memory>
#include <string>

#include "tern/client.hpp"

#if TERN_HAS_TLS
#include <asio/ssl.hpp>
#endif

namespace tern::transport {

#if TERN_HAS_TLS
/// Verification on by default (certificate chain and host name), TLS 1.2 as
/// the minimum. Errors: `transport_errc::tls_setup_failed`, with OpenSSL's
/// reason in `detail`.
result<std::shared_ptr<asio::ssl::context>> make_tls_context(const tls_options& options, std::string& detail);
#endif

}  // namespace tern::transport
