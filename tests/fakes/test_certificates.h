// Throwaway certificates for TLS tests, made by the openssl command line
// (Debian package openssl) in a directory of the test's: a CA ("ca"), a
// server certificate for localhost and 127.0.0.1 ("server"), a client
// certificate from the CA ("client"), a second CA ("other_ca") with its own
// client ("other_client") and its own server certificate for localhost
// ("other_server", for certificate rotation), a client certificate from the
// CA whose URI SAN is a SPIFFE id, as Istio and SPIRE issue them
// ("spiffe_client": kTestSpiffeId, CN "spiffe-caller"), and client.key
// encrypted ("encrypted.key").
// Files: <name>.crt and <name>.key.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gong::fakes {

// The SPIFFE id in spiffe_client.crt.
inline constexpr char kTestSpiffeId[] =
    "spiffe://cluster.local/ns/reporting/sa/weekly-report";

// Makes the certificates in `dir` (created if need be); "" on success, else
// what failed with openssl's output.
inline std::string MakeTestCertificates(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "openssl.log").string();
  // P-256 keys: instant to generate, and gRPC's TLS takes them.
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string ca_ext =
      "-addext basicConstraints=critical,CA:TRUE "
      "-addext keyUsage=critical,keyCertSign,cRLSign";
  std::ofstream(dir / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                       "extendedKeyUsage=serverAuth\n";
  std::ofstream(dir / "client.ext") << "extendedKeyUsage=clientAuth\n";
  std::ofstream(dir / "spiffe_client.ext")
      << "extendedKeyUsage=clientAuth\nsubjectAltName=URI:" << kTestSpiffeId << "\n";
  // A key and a certificate for `cn` signed by `ca`, with the extensions
  // of `ext`.ext.
  auto leaf = [&key](const std::string& name, const std::string& cn,
                     const std::string& ca, const std::string& ext) {
    return absl::StrCat(
        "openssl req -new ", key, " -subj '/CN=", cn, "' -keyout ", name, ".key -out ",
        name, ".csr && openssl x509 -req -in ", name, ".csr -CA ", ca, ".crt -CAkey ", ca,
        ".key -CAcreateserial -days 2 -extfile ", ext, ".ext -out ", name, ".crt");
  };
  const std::vector<std::string> commands = {
      absl::StrCat("openssl req -x509 ", key, " -days 2 -subj '/CN=Gong test CA' ",
                   ca_ext, " -keyout ca.key -out ca.crt"),
      absl::StrCat("openssl req -x509 ", key, " -days 2 -subj '/CN=Other test CA' ",
                   ca_ext, " -keyout other_ca.key -out other_ca.crt"),
      leaf("server", "localhost", "ca", "server"),
      leaf("client", "flows-caller", "ca", "client"),
      leaf("other_client", "flows-caller", "other_ca", "client"),
      leaf("other_server", "localhost", "other_ca", "server"),
      leaf("spiffe_client", "spiffe-caller", "ca", "spiffe_client"),
      "openssl pkey -in client.key -aes256 -passout pass:secret -out encrypted.key",
  };
  for (const std::string& command : commands) {
    const std::string line =
        absl::StrCat("cd '", dir.string(), "' && ", command, " >>'", log, "' 2>&1");
    if (std::system(line.c_str()) != 0) {
      std::stringstream output;
      output << std::ifstream(log).rdbuf();
      return absl::StrCat("openssl failed: ", command, "\n", output.str());
    }
  }
  return "";
}

}  // namespace gong::fakes
