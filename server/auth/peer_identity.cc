// PeerIdentity: the client certificate's names from gRPC's auth context.
#include "auth/peer_identity.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace gong::auth {
namespace {

absl::string_view View(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

// The first value of `property` that is a SPIFFE id. URI schemes are
// case-insensitive (RFC 3986 section 3.1).
std::optional<absl::string_view> FirstSpiffeId(const grpc::AuthContext& context,
                                               const char* property) {
  for (const grpc::string_ref& value : context.FindPropertyValues(property)) {
    if (absl::StartsWithIgnoreCase(View(value), "spiffe://")) return View(value);
  }
  return std::nullopt;
}

// A certificate's name as a log field: printable ASCII, bounded.
std::string Printable(absl::string_view name) {
  name = name.substr(0, kMaxPeerIdentityLength);
  std::string printable(name);
  std::replace_if(
      printable.begin(), printable.end(), [](char c) { return c < 0x20 || c > 0x7e; },
      '?');
  return printable;
}

}  // namespace

std::string PeerIdentity(const grpc::AuthContext& context) {
  // gRPC sets peer_spiffe_id only for a certificate with exactly one URI
  // SAN that is a valid SPIFFE id; the other two cover what it leaves out.
  const std::vector<grpc::string_ref> spiffe =
      context.FindPropertyValues(GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
  if (!spiffe.empty()) return Printable(View(spiffe.front()));
  for (const char* property :
       {GRPC_PEER_URI_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
    if (std::optional<absl::string_view> id = FirstSpiffeId(context, property)) {
      return Printable(*id);
    }
  }
  const std::vector<grpc::string_ref> common_name =
      context.FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  if (!common_name.empty()) return Printable(View(common_name.front()));
  return "";
}

}  // namespace gong::auth
