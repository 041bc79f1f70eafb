// The wire format every sandbox endpoint shares: what a handler answers
// (Reply), Gong's error body, status texts and the Authorization schemes
// Gong accepts; and the unassign-by-instance-id endpoint's request and
// success body (its handler is sandbox_unassign_by_instance_id.cc; the other
// endpoints' JSON is in the files named after them). Kept apart from the
// HTTP plumbing in sandbox_gong.cc so each stays small. Free of nlohmann's
// types, as slow-upstream includes it too. Internal to the sandbox; not for
// the facade's code.
#pragma once

#include <cstdint>
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

// What a handler answers: the HTTP status, the JSON body and, when
// retry_after_seconds >= 0, a Retry-After header.
struct Reply {
  int status = 200;
  std::string body;
  int64_t retry_after_seconds = -1;
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

// A Reply of `status` with ErrorBody(request_id, message).
Reply ErrorReply(absl::string_view request_id, int status, absl::string_view message,
                 int64_t retry_after_seconds = -1);

// `{"requestId": ..., "unassignedFlowInstanceIds": [...]}`: the answer of
// both unassign endpoints.
std::string SuccessBody(absl::string_view request_id,
                        const std::vector<std::string>& unassigned_ids);

// An error message naming an HTTP status, e.g. "503 Service Unavailable".
std::string StatusText(int status);

}  // namespace gong::sandbox::internal
