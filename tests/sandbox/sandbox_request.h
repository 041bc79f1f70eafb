// The parts of the sandbox that know Gong's wire format: validating an
// unassign request body and writing Gong's success and error bodies. Kept
// apart from the HTTP plumbing in sandbox_gong.cc so each stays small.
// Internal to the sandbox; not for the facade's code.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::sandbox::internal {

inline constexpr absl::string_view kUnassignPath =
    "/v2/flows/prospects/unassign-flows-by-instance-id";
// Gong's documented per-request maximum.
inline constexpr int kMaxIdsPerRequest = 200;

struct UnassignRequest {
  std::vector<std::string> ids;  // in request order, unique
  std::string unassigned_by_user_email;
};

// Parses an unassign request body. On failure the status message is the
// text the sandbox puts in its 400 answer.
absl::StatusOr<UnassignRequest> ParseUnassignRequest(absl::string_view body);

// True for the Authorization schemes Gong accepts; the credentials after
// the scheme are not checked.
bool HasAcceptedAuthorization(absl::string_view header);

// `{"requestId": ..., "errors": [message]}`.
std::string ErrorBody(absl::string_view request_id, absl::string_view message);
// `{"requestId": ..., "errors": [...errors]}`.
std::string ErrorBody(absl::string_view request_id,
                      const std::vector<std::string>& errors);

// `{"requestId": ..., "unassignedFlowInstanceIds": [...]}`.
std::string SuccessBody(absl::string_view request_id,
                        const std::vector<std::string>& unassigned_ids);

// An error message naming an HTTP status, e.g. "503 Service Unavailable".
std::string StatusText(int status);

}  // namespace gong::sandbox::internal
