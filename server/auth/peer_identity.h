// Who the client of a mutual TLS connection is, as its certificate says,
// for the call's log line (`peer_identity`): its SPIFFE id (a URI SAN
// "spiffe://trust-domain/path", what Istio and SPIRE issue), else its
// subject's common name.
//
// Logged, never trusted for rights: a certificate's names are whatever its
// CA wrote, and only --tls_client_ca_file decides which CAs count.
#pragma once

#include <grpcpp/security/auth_context.h>

#include <cstddef>
#include <string>

namespace gong::auth {

// A log field, whatever the certificate holds: at most this many
// characters.
inline constexpr size_t kMaxPeerIdentityLength = 256;

// The SPIFFE id of the client's certificate (gRPC's "peer_spiffe_id", else
// the first "spiffe://" value of "peer_uri", then of
// "x509_subject_alternative_name"), else its subject CN
// ("x509_common_name"), else "" (no client certificate: plaintext, TLS
// without client certificates, or a mesh whose sidecar ends mTLS). Bytes
// outside printable ASCII become '?', and the result is cut to
// kMaxPeerIdentityLength.
std::string PeerIdentity(const grpc::AuthContext& context);

}  // namespace gong::auth
