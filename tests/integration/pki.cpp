#include "pki.hpp"

namespace tern::test {

testing::AssertionResult pki::generate() {
  const auto& d = dir.path();
  auto at = [&](const char* name) { return (d / name).string(); };
  // Our own minimal config: the system openssl.cnf may add extensions of its
  // own to `req -x509`, which would clash with ours.
  write_file(d / "req.cnf",
             "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n"
             "[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
             "subjectKeyIdentifier = hash\n");
  write_file(d / "server.ext",
             "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
             "subjectAltName = DNS:localhost, IP:127.0.0.1\n");
  write_file(d / "wrong.ext",
             "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
             "subjectAltName = DNS:wrong.example\n");
  write_file(d / "client.ext",
             "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n");

  auto openssl = [&](std::vector<std::string> args) -> testing::AssertionResult {
    args.insert(args.begin(), "/usr/bin/openssl");
    std::string out, err;
    auto st = run(args, d, std::chrono::seconds(30), &out, &err);
    if (st && *st == 0) return testing::AssertionSuccess();
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    return testing::AssertionFailure() << "openssl failed (" << (st ? std::to_string(*st) : "timeout") << "): " << cmd
                                       << "\n" << out << err;
  };
  auto key = [&](const std::string& file) {
    return openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file});
  };
  auto ca = [&](const std::string& name, const std::string& cn) {
    if (auto r = key(at((name + ".key").c_str())); !r) return r;
    return openssl({"req", "-x509", "-new", "-config", at("req.cnf"), "-extensions", "v3_ca", "-key",
                    at((name + ".key").c_str()), "-subj", "/CN=" + cn, "-days", "2", "-sha256", "-out",
                    at((name + ".crt").c_str())});
  };
  int serial = 1;
  auto leaf = [&](const std::string& name, const std::string& cn) {
    if (auto r = key(at((name + ".key").c_str())); !r) return r;
    if (auto r = openssl({"req", "-new", "-config", at("req.cnf"), "-key", at((name + ".key").c_str()), "-subj",
                          "/CN=" + cn, "-out", at((name + ".csr").c_str())});
        !r)
      return r;
    return openssl({"x509", "-req", "-in", at((name + ".csr").c_str()), "-CA", at("ca.crt"), "-CAkey", at("ca.key"),
                    "-set_serial", std::to_string(++serial), "-days", "2", "-sha256", "-extfile",
                    at((name + ".ext").c_str()), "-out", at((name + ".crt").c_str())});
  };
  if (auto r = ca("ca", "tern test CA"); !r) return r;
  if (auto r = ca("untrusted", "tern untrusted CA"); !r) return r;
  if (auto r = leaf("server", "localhost"); !r) return r;
  if (auto r = leaf("wrong", "wrong.example"); !r) return r;
  if (auto r = leaf("client", "tern-test-client"); !r) return r;
  ca_crt = at("ca.crt");
  untrusted_ca_crt = at("untrusted.crt");
  server_crt = at("server.crt");
  server_key = at("server.key");
  wrong_crt = at("wrong.crt");
  wrong_key = at("wrong.key");
  client_crt = at("client.crt");
  client_key = at("client.key");
  return testing::AssertionSuccess();
}

}  // namespace tern::test
