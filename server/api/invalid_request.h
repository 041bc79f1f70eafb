// The status of a request that validation refused: INVALID_ARGUMENT with an
// ErrorInfo (reason INVALID_REQUEST) and a BadRequest of the listed
// violations. However many violations the request had, the status fits a
// caller's default metadata limit (see violation_list.h).
#pragma once

#include <grpcpp/support/status.h>

#include "api/violation_list.h"

namespace gong::api::internal {

// `violations` must not be empty. The message names the first violation
// and how many more there are; when some were not listed, the message says
// so and ErrorInfo's metadata `violations_not_listed` counts them.
grpc::Status InvalidRequestStatus(const ViolationList& violations);

}  // namespace gong::api::internal
