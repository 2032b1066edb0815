#pragma once
// Certificates for the TLS tests, made at test time with the openssl CLI
// (EC P-256: fast): a CA, a server certificate for localhost + 127.0.0.1,
// one for the wrong name, an untrusted CA, and a client certificate.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "process.hpp"

namespace tern::test {

struct pki {
  temp_dir dir{"tern-pki"};
  std::string ca_crt;            ///< the CA everyone trusts
  std::string server_crt, server_key;  ///< CN/SAN localhost, IP 127.0.0.1; signed by the CA
  std::string wrong_crt, wrong_key;    ///< CN/SAN wrong.example; signed by the CA
  std::string untrusted_ca_crt;  ///< a CA that signed nothing the broker uses
  std::string client_crt, client_key;  ///< clientAuth, signed by the CA

  /// Generates all of them; a failure names the openssl command and its output.
  testing::AssertionResult generate();
};

}  // namespace tern::test
