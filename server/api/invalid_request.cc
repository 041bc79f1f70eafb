#include "api/invalid_request.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "api/error_details.h"

namespace gong::api::internal {

grpc::Status InvalidRequestStatus(const ViolationList& violations) {
  const FieldViolation& first = violations.listed().front();
  std::string message =
      absl::StrCat("invalid request: ", first.field, " ", first.description);
  ErrorDetails details;
  details.reason = "INVALID_REQUEST";
  if (violations.unlisted() > 0) {
    absl::StrAppend(&message, " (and ", violations.total() - 1,
                    " more; BadRequest lists ", violations.listed().size(), " of ",
                    violations.total(), ")");
    details.metadata["violations_not_listed"] = absl::StrCat(violations.unlisted());
  } else if (violations.total() > 1) {
    absl::StrAppend(&message, " (and ", violations.total() - 1, " more; see BadRequest)");
  }
  details.field_violations = violations.listed();
  return MakeErrorStatus(grpc::StatusCode::INVALID_ARGUMENT, std::move(message), details);
}

}  // namespace gong::api::internal
