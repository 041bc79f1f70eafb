// Server credentials from the --tls_* flags: checks that the flags make
// sense together and that each file holds PEM of the right kind, so a
// misconfiguration stops start-up with a message naming the flag.
#include "tls_credentials.h"

#include <cerrno>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gong {
namespace {

constexpr absl::string_view kCertificateMarker = "-----BEGIN CERTIFICATE-----";

// Reads the whole of `path`. Errors name `flag` and the path; never the
// contents.
absl::StatusOr<std::string> ReadPem(absl::string_view flag, const std::string& path) {
  const std::string what = absl::StrCat(flag, " \"", path, "\"");
  std::FILE* file = std::fopen(path.c_str(), "rbe");  // e: O_CLOEXEC
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, ": cannot open"));
  }
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) return absl::ErrnoToStatus(error, absl::StrCat(what, ": cannot read"));
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  return text;
}

absl::StatusOr<std::string> ReadCertificates(absl::string_view flag,
                                             const std::string& path) {
  absl::StatusOr<std::string> pem = ReadPem(flag, path);
  if (pem.ok() && !absl::StrContains(*pem, kCertificateMarker)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " \"", path, "\" holds no PEM certificate (", kCertificateMarker, ")"));
  }
  return pem;
}

absl::StatusOr<std::string> ReadPrivateKey(absl::string_view flag,
                                           const std::string& path) {
  absl::StatusOr<std::string> pem = ReadPem(flag, path);
  if (!pem.ok()) return pem;
  const std::string what = absl::StrCat(flag, " \"", path, "\"");
  // gRPC takes no passphrase: an encrypted key would fail at bind time.
  if (absl::StrContains(*pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
      absl::StrContains(*pem, "Proc-Type: 4,ENCRYPTED")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     " holds an encrypted private key; give it unencrypted "
                     "(for example: openssl pkey -in KEY -out KEY.plain)"));
  }
  // "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY".
  if (!absl::StrContains(*pem, "-----BEGIN ") ||
      !absl::StrContains(*pem, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(absl::StrCat(what, " holds no PEM private key"));
  }
  return pem;
}

}  // namespace

bool TlsEnabled(const TlsFiles& files) {
  return !files.cert_file.empty() || !files.key_file.empty();
}

bool MutualTlsEnabled(const TlsFiles& files) {
  return TlsEnabled(files) && !files.client_ca_file.empty();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  const bool cert = !files.cert_file.empty();
  const bool key = !files.key_file.empty();
  const bool client_ca = !files.client_ca_file.empty();
  if (!cert && !key && !client_ca) return grpc::InsecureServerCredentials();
  if (!cert || !key) {
    if (client_ca && !cert && !key) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file needs --tls_cert_file and --tls_key_file: "
          "mutual TLS is TLS with client certificates");
    }
    return absl::InvalidArgumentError(
        cert ? "--tls_cert_file is set but --tls_key_file is not; TLS needs both"
             : "--tls_key_file is set but --tls_cert_file is not; TLS needs both");
  }

  absl::StatusOr<std::string> cert_chain =
      ReadCertificates("--tls_cert_file", files.cert_file);
  if (!cert_chain.ok()) return cert_chain.status();
  absl::StatusOr<std::string> private_key =
      ReadPrivateKey("--tls_key_file", files.key_file);
  if (!private_key.ok()) return private_key.status();

  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*std::move(private_key), *std::move(cert_chain)});
  if (client_ca) {
    absl::StatusOr<std::string> roots =
        ReadCertificates("--tls_client_ca_file", files.client_ca_file);
    if (!roots.ok()) return roots.status();
    options.pem_root_certs = *std::move(roots);
    // Not just "request": a client without a certificate, or with one this
    // CA did not sign, is refused during the handshake, before any call.
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace gong
