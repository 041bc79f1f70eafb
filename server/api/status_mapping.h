// How Gong's answers, the lack of one, and the quota's refusals become gRPC
// statuses: the one table of this service's error contract
// (docs/contract.md#status-mapping).
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "quota/quota_refusal.h"
#include "upstream/gong_error.h"

namespace gong::api {

struct StatusMapping {
  grpc::StatusCode code;
  absl::string_view reason;  // ErrorInfo.reason
};

// The row for an HTTP status Gong answered with (other than a good 200).
StatusMapping MapHttpStatus(int http_status);

// The row for a failure without an answer (GongError kinds other than
// kHttpStatus and kMalformedAnswer).
StatusMapping MapNoAnswer(upstream::GongError::Kind kind);

// The row for any GongError (a malformed 200 is INTERNAL).
StatusMapping MapGongError(const upstream::GongError& error);

// The row for a refusal by the quota steward.
StatusMapping MapQuotaRefusal(const quota::QuotaRefusal& refusal);

// The full status for `error`: code, a short message with Gong's own
// errors[] text, ErrorInfo metadata (http_status, gong_request_id; for a
// failure without an answer, transport_failure and gong_may_have_acted),
// and a RetryInfo when Gong sent Retry-After. Gong's text, its requestId
// and any transport detail are bounded (upstream_text.h), so however large
// Gong's answer, the caller gets this code and ErrorInfo.
grpc::Status GongErrorToStatus(const upstream::GongError& error);

// The status of a write whose answer was lost (`error`), after reading
// Gong's state confirmed `done` (ids) and not the rest: GongErrorToStatus's,
// with ErrorInfo metadata confirmed_done_count and confirmed_done (the ids,
// comma-separated, as many as fit in kMaxConfirmedDoneBytes).
inline constexpr size_t kMaxConfirmedDoneBytes = 2048;
grpc::Status LostWithConfirmed(const upstream::GongError& error,
                               const std::vector<std::string>& done);

// The full status for a quota refusal, with its RetryInfo.
grpc::Status QuotaRefusalToStatus(const quota::QuotaRefusal& refusal);

}  // namespace gong::api
