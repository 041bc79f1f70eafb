#include "api/status_mapping.h"

#include "absl/strings/str_cat.h"
#include "api/error_details.h"
#include "api/upstream_text.h"

namespace gong::api {

using internal::BoundedText;
using internal::kMaxDetailBytes;
using internal::kMaxGongRequestIdBytes;
using internal::SummarizeGongErrors;

StatusMapping MapHttpStatus(int http_status) {
  // The canonical inverse of google.rpc.Code's HTTP comments. A 500 is
  // INTERNAL, which clients do not retry: Gong may have run the request.
  switch (http_status) {
    case 400:
      return {grpc::StatusCode::INVALID_ARGUMENT, "GONG_BAD_REQUEST"};
    case 401:
      return {grpc::StatusCode::UNAUTHENTICATED, "GONG_UNAUTHENTICATED"};
    case 403:
      return {grpc::StatusCode::PERMISSION_DENIED, "GONG_PERMISSION_DENIED"};
    case 404:
      return {grpc::StatusCode::NOT_FOUND, "GONG_NOT_FOUND"};
    case 408:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_REQUEST_TIMEOUT"};
    case 409:
      return {grpc::StatusCode::ABORTED, "GONG_CONFLICT"};
    case 429:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "GONG_RATE_LIMITED"};
    case 500:
      return {grpc::StatusCode::INTERNAL, "GONG_INTERNAL_ERROR"};
    case 501:
      return {grpc::StatusCode::UNIMPLEMENTED, "GONG_NOT_IMPLEMENTED"};
    case 502:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_BAD_GATEWAY"};
    case 503:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_UNAVAILABLE"};
    case 504:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_GATEWAY_TIMEOUT"};
  }
  if (http_status >= 400 && http_status < 500) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"};
  }
  if (http_status >= 500 && http_status < 600) {
    return {grpc::StatusCode::INTERNAL, "GONG_SERVER_ERROR"};
  }
  // 1xx, 3xx (redirects are never followed) and 2xx other than 200.
  return {grpc::StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"};
}

StatusMapping MapNoAnswer(upstream::GongError::Kind kind) {
  using Kind = upstream::GongError::Kind;
  switch (kind) {
    case Kind::kTimedOut:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT"};
    case Kind::kConnectFailed:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_UNREACHABLE"};
    case Kind::kTlsFailure:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_TLS_FAILURE"};
    case Kind::kConnectionDropped:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_CONNECTION_DROPPED"};
    case Kind::kCancelled:
      return {grpc::StatusCode::CANCELLED, "CALL_CANCELLED"};
    case Kind::kNoAnswer:
    case Kind::kHttpStatus:
    case Kind::kMalformedAnswer:
      break;
  }
  return {grpc::StatusCode::INTERNAL, "GONG_TRANSPORT_ERROR"};
}

StatusMapping MapQuotaRefusal(const quota::QuotaRefusal& refusal) {
  switch (refusal.reason) {
    case quota::QuotaRefusal::Reason::kQueueFull:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_QUEUE_FULL"};
    case quota::QuotaRefusal::Reason::kDailyBudgetReserved:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "DAILY_BUDGET_RESERVED"};
    case quota::QuotaRefusal::Reason::kDailyLimitReached:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "GONG_DAILY_LIMIT_REACHED"};
    case quota::QuotaRefusal::Reason::kWouldMissDeadline:
      break;
  }
  return {grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_WAIT_EXCEEDS_DEADLINE"};
}

namespace {

// Every piece of Gong's own text in the message is bounded (upstream_text.h):
// the message travels in the trailers, twice.
std::string Message(const upstream::GongError& error) {
  const std::string detail = BoundedText(error.detail, kMaxDetailBytes);
  switch (error.kind) {
    case upstream::GongError::Kind::kTimedOut:
      return "Gong did not answer within the deadline";
    case upstream::GongError::Kind::kConnectFailed:
      return absl::StrCat("could not connect to Gong: ", detail);
    case upstream::GongError::Kind::kTlsFailure:
      return absl::StrCat("TLS with Gong failed: ", detail);
    case upstream::GongError::Kind::kConnectionDropped:
      if (!error.may_have_acted) {
        return absl::StrCat(
            "Gong refused the request before processing it; it is "
            "safe to send again: ",
            detail);
      }
      return absl::StrCat(
          "the connection to Gong broke before its answer; Gong may "
          "have acted, look before retrying: ",
          detail);
    case upstream::GongError::Kind::kCancelled:
      return "the call was cancelled";
    case upstream::GongError::Kind::kNoAnswer:
      return absl::StrCat("the request to Gong failed: ", detail);
    case upstream::GongError::Kind::kMalformedAnswer:
      return absl::StrCat("Gong answered 200 with an unreadable body: ", detail);
    case upstream::GongError::Kind::kHttpStatus:
      break;
  }
  std::string message = absl::StrCat("Gong answered HTTP ", error.http_status);
  if (error.http_status == 429) {
    absl::StrAppend(&message, " (rate limit exceeded");
    if (error.retry_after.has_value()) {
      absl::StrAppend(&message, "; retry after ",
                      absl::FormatDuration(*error.retry_after));
    }
    absl::StrAppend(&message, ")");
  }
  if (!error.errors.empty()) {
    absl::StrAppend(&message, ": ", SummarizeGongErrors(error.errors));
  }
  return message;
}

}  // namespace

StatusMapping MapGongError(const upstream::GongError& error) {
  switch (error.kind) {
    case upstream::GongError::Kind::kHttpStatus:
      return MapHttpStatus(error.http_status);
    case upstream::GongError::Kind::kMalformedAnswer:
      return {grpc::StatusCode::INTERNAL, "GONG_MALFORMED_RESPONSE"};
    default:
      return MapNoAnswer(error.kind);
  }
}

namespace {

ErrorDetails GongErrorDetails(const upstream::GongError& error) {
  const StatusMapping row = MapGongError(error);
  ErrorDetails details;
  details.reason = std::string(row.reason);
  if (error.http_status != 0) {
    details.metadata["http_status"] = absl::StrCat(error.http_status);
  }
  if (!error.request_id.empty()) {
    details.metadata["gong_request_id"] =
        BoundedText(error.request_id, kMaxGongRequestIdBytes);
  }
  if (!error.answered()) {
    details.metadata["transport_failure"] =
        std::string(upstream::NoAnswerName(error.kind));
    // What a caller needs before sending again: "false" means Gong surely
    // did nothing (never sent, or refused unprocessed).
    details.metadata["gong_may_have_acted"] = error.may_have_acted ? "true" : "false";
  }
  details.retry_delay = error.retry_after;
  return details;
}

}  // namespace

grpc::Status GongErrorToStatus(const upstream::GongError& error) {
  return MakeErrorStatus(MapGongError(error).code, Message(error),
                         GongErrorDetails(error));
}

grpc::Status LostWithConfirmed(const upstream::GongError& error,
                               const std::vector<std::string>& done) {
  ErrorDetails details = GongErrorDetails(error);
  details.metadata["confirmed_done_count"] = absl::StrCat(done.size());
  // As many as fit in a bounded field: the count says how many are left out.
  std::string listed;
  for (const std::string& id : done) {
    if (listed.size() + id.size() + 1 > kMaxConfirmedDoneBytes) break;
    absl::StrAppend(&listed, listed.empty() ? "" : ",", id);
  }
  details.metadata["confirmed_done"] = std::move(listed);
  return MakeErrorStatus(
      MapGongError(error).code,
      absl::StrCat(Message(error), "; Gong's state read since confirms ", done.size(),
                   " done (ErrorInfo confirmed_done), the rest is still in doubt"),
      details);
}

namespace {

std::string RefusalMessage(const quota::QuotaRefusal& refusal) {
  // Hours away: whole seconds say it, rounded up so that a refusal just
  // before midnight does not say "in 0".
  const absl::Duration until_midnight = absl::Ceil(refusal.retry_after, absl::Seconds(1));
  switch (refusal.reason) {
    case quota::QuotaRefusal::Reason::kQueueFull:
      return "too many calls are waiting for Gong's rate limit; retry later";
    case quota::QuotaRefusal::Reason::kDailyBudgetReserved:
      return absl::StrCat(
          "the rest of today's Gong calls is kept for interactive calls; background "
          "calls resume at the next UTC midnight, in ",
          absl::FormatDuration(until_midnight));
    case quota::QuotaRefusal::Reason::kDailyLimitReached:
      return absl::StrCat(
          "today's Gong calls are spent (the daily limit); calls resume at the next UTC "
          "midnight, in ",
          absl::FormatDuration(until_midnight));
    case quota::QuotaRefusal::Reason::kWouldMissDeadline:
      break;
  }
  return absl::StrCat(
      "Gong's rate limit leaves no turn for this call before its deadline; next turn in ",
      absl::FormatDuration(refusal.retry_after));
}

}  // namespace

grpc::Status QuotaRefusalToStatus(const quota::QuotaRefusal& refusal) {
  const StatusMapping row = MapQuotaRefusal(refusal);
  ErrorDetails details;
  details.reason = std::string(row.reason);
  details.retry_delay = refusal.retry_after;
  return MakeErrorStatus(row.code, RefusalMessage(refusal), details);
}

}  // namespace gong::api
