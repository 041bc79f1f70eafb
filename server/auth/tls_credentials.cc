// Server credentials from the --tls_* flags: checks that the flags make
// sense together and that each file holds PEM of the right kind, so a
// misconfiguration stops start-up with a message naming the flag; then
// hands the paths to gRPC's file watcher, which serves what they hold.
#include "auth/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <cerrno>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gong::auth {
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

  // Read here only to refuse a bad file at start-up with a message naming
  // the flag; gRPC's file watcher reads the files itself, now and later.
  if (absl::StatusOr<std::string> chain =
          ReadCertificates("--tls_cert_file", files.cert_file);
      !chain.ok()) {
    return chain.status();
  }
  if (absl::StatusOr<std::string> key = ReadPrivateKey("--tls_key_file", files.key_file);
      !key.ok()) {
    return key.status();
  }
  if (client_ca) {
    if (absl::StatusOr<std::string> roots =
            ReadCertificates("--tls_client_ca_file", files.client_ca_file);
        !roots.ok()) {
      return roots.status();
    }
  }

  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.client_ca_file, kTlsFilesRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(std::move(provider));
  options.watch_identity_key_cert_pairs();
  if (client_ca) {
    options.watch_root_certs();
    // Not just "request": a client without a certificate, or with one this
    // CA did not sign, is refused during the handshake, before any call.
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace gong::auth
