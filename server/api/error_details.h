// Builds grpc::Status values that carry google.rpc rich error details in
// grpc-status-details-bin: the one place that knows their wire form.
#pragma once

#include <grpcpp/support/status.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::api {

// ErrorInfo.domain of every error this service returns.
inline constexpr char kErrorDomain[] = "gong.io";

struct FieldViolation {
  std::string field;        // such as "flow_instance_ids[3]"
  std::string description;  // what is wrong, for a developer
};

struct ErrorDetails {
  std::string reason;                            // UPPER_SNAKE, ErrorInfo.reason
  std::map<std::string, std::string> metadata;   // ErrorInfo.metadata
  std::optional<absl::Duration> retry_delay;     // adds a RetryInfo
  std::vector<FieldViolation> field_violations;  // adds a BadRequest
};

// A non-OK status whose details hold a google.rpc.Status with the same code
// and message, an ErrorInfo, and RetryInfo/BadRequest when given.
grpc::Status MakeErrorStatus(grpc::StatusCode code, std::string message,
                             const ErrorDetails& details);

// INTERNAL (reason GONG_CURSOR_TOO_LONG) for a listing whose next page's
// cursor, `why`, cannot go into a page token: Gong's answer was fine, but
// the facade cannot hand on its cursor. `request_id` is Gong's ("" if none).
grpc::Status CursorTooLongStatus(const absl::Status& why, absl::string_view request_id);

}  // namespace gong::api
