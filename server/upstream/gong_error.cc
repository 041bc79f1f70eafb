#include "upstream/gong_error.h"

#include <utility>

namespace gong::upstream {

GongError GongError::HttpStatus(int http_status, std::string request_id,
                                std::vector<std::string> errors,
                                std::optional<absl::Duration> retry_after) {
  GongError error;
  error.kind = Kind::kHttpStatus;
  error.http_status = http_status;
  error.request_id = std::move(request_id);
  error.errors = std::move(errors);
  error.retry_after = retry_after;
  return error;
}

GongError GongError::MalformedAnswer(int http_status, std::string detail) {
  GongError error;
  error.kind = Kind::kMalformedAnswer;
  error.http_status = http_status;
  error.detail = std::move(detail);
  return error;
}

GongError GongError::NoAnswer(Kind kind, std::string detail, bool may_have_acted) {
  GongError error;
  error.kind = kind;
  error.detail = std::move(detail);
  error.may_have_acted = may_have_acted;
  return error;
}

GongError GongError::Cancelled(std::string detail, bool may_have_acted) {
  return NoAnswer(Kind::kCancelled, std::move(detail), may_have_acted);
}

absl::string_view NoAnswerName(GongError::Kind kind) {
  switch (kind) {
    case GongError::Kind::kTimedOut:
      return "timeout";
    case GongError::Kind::kConnectFailed:
      return "connect_failed";
    case GongError::Kind::kTlsFailure:
      return "tls_failure";
    case GongError::Kind::kConnectionDropped:
      return "connection_dropped";
    case GongError::Kind::kCancelled:
      return "cancelled";
    case GongError::Kind::kNoAnswer:
    case GongError::Kind::kHttpStatus:
    case GongError::Kind::kMalformedAnswer:
      break;
  }
  return "other";
}

}  // namespace gong::upstream
