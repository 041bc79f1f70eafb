// The credentials of the gRPC listener, from the --tls_* flags: plaintext by
// default (in a mesh the sidecar terminates mTLS), server TLS with a
// certificate and key, and mutual TLS when a client CA is given.
//
// The files are checked at start-up and then watched: gRPC reads them again
// every kTlsFilesRefreshSeconds and serves new handshakes with what they
// hold then, so a rotated certificate (a Kubernetes Secret updated in place,
// cert-manager renewing it) takes effect without a restart. Connections
// already open keep the certificate they were made with.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace gong::auth {

// How often the TLS files are read again. Rotation is rare and a handshake
// with the old certificate keeps working until it expires, so seconds of
// delay cost nothing; reading three small files every 5 s costs nothing
// either.
inline constexpr unsigned int kTlsFilesRefreshSeconds = 5;

struct TlsFiles {
  std::string cert_file;       // --tls_cert_file (PEM chain, leaf first)
  std::string key_file;        // --tls_key_file (PEM private key, unencrypted)
  std::string client_ca_file;  // --tls_client_ca_file: when set, mutual TLS
};

// Plaintext (grpc::InsecureServerCredentials) when no file is set; TLS with
// the cert and key (grpc::experimental::TlsServerCredentials over a
// FileWatcherCertificateProvider); with a client CA, clients must present a
// certificate signed by it
// (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY).
//
// Refuses, naming the flag: a cert without a key or a key without a cert, a
// client CA without cert and key, and files that cannot be read or are not
// PEM of the expected kind. gRPC itself would only fail later, when the
// port is bound, with a log line that does not name our flags. Errors never
// contain file contents (the key is a secret).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

// True when TLS is on (for logs).
bool TlsEnabled(const TlsFiles& files);

// True when clients must present a certificate (for logs).
bool MutualTlsEnabled(const TlsFiles& files);

}  // namespace gong::auth
