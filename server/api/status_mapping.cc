#include "api/status_mapping.h"

#include "absl/strings/str_cat.h"
#include "api/error_details.h"
#include "api/upstream_text.h"

namespace gong {

StatusMapping MapHttpStatus(int http_status) {
  // The canonical inverse of google.rpc.Code's HTTP comments. A 500 is
  // INTERNAL, which clients do not retry: Gong may have run the request.
  switch (http_status) {
    case 400: return {grpc::StatusCode::INVALID_ARGUMENT, "GONG_BAD_REQUEST"};
    case 401: return {grpc::StatusCode::UNAUTHENTICATED, "GONG_UNAUTHENTICATED"};
    case 403: return {grpc::StatusCode::PERMISSION_DENIED, "GONG_PERMISSION_DENIED"};
    case 404: return {grpc::StatusCode::NOT_FOUND, "GONG_NOT_FOUND"};
    case 408: return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_REQUEST_TIMEOUT"};
    case 409: return {grpc::StatusCode::ABORTED, "GONG_CONFLICT"};
    case 429: return {grpc::StatusCode::RESOURCE_EXHAUSTED, "GONG_RATE_LIMITED"};
    case 500: return {grpc::StatusCode::INTERNAL, "GONG_INTERNAL_ERROR"};
    case 501: return {grpc::StatusCode::UNIMPLEMENTED, "GONG_NOT_IMPLEMENTED"};
    case 502: return {grpc::StatusCode::UNAVAILABLE, "GONG_BAD_GATEWAY"};
    case 503: return {grpc::StatusCode::UNAVAILABLE, "GONG_UNAVAILABLE"};
    case 504: return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_GATEWAY_TIMEOUT"};
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

StatusMapping MapTransportFailure(http::TransportFailure failure) {
  using http::TransportFailure;
  switch (failure) {
    case TransportFailure::kTimeout:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT"};
    case TransportFailure::kConnectFailed:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_UNREACHABLE"};
    case TransportFailure::kTlsFailure:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_TLS_FAILURE"};
    case TransportFailure::kConnectionDropped:
      return {grpc::StatusCode::UNAVAILABLE, "GONG_CONNECTION_DROPPED"};
    case TransportFailure::kCancelled:
      return {grpc::StatusCode::CANCELLED, "CALL_CANCELLED"};
    case TransportFailure::kOther:
      break;
  }
  return {grpc::StatusCode::INTERNAL, "GONG_TRANSPORT_ERROR"};
}

namespace {

// Every piece of Gong's own text in the message is bounded (upstream_text.h):
// the message travels in the trailers, twice.
std::string Message(const GongError& error) {
  const std::string detail = BoundedText(error.detail, kMaxDetailBytes);
  switch (error.kind) {
    case GongError::Kind::kTransport:
      switch (error.transport_failure) {
        case http::TransportFailure::kTimeout:
          return "Gong did not answer within the deadline";
        case http::TransportFailure::kConnectFailed:
          return absl::StrCat("could not connect to Gong: ", detail);
        case http::TransportFailure::kTlsFailure:
          return absl::StrCat("TLS with Gong failed: ", detail);
        case http::TransportFailure::kConnectionDropped:
          if (error.delivery != http::Delivery::kMaybeProcessed) {
            return absl::StrCat("Gong refused the request before processing it; it is "
                                "safe to send again: ", detail);
          }
          return absl::StrCat("the connection to Gong broke before its answer; Gong may "
                              "have acted, look before retrying: ", detail);
        case http::TransportFailure::kCancelled:
          return "the call was cancelled";
        case http::TransportFailure::kOther:
          break;
      }
      return absl::StrCat("the request to Gong failed: ", detail);
    case GongError::Kind::kMalformedResponse:
      return absl::StrCat("Gong answered 200 with an unreadable body: ", detail);
    case GongError::Kind::kQueueFull:
      return "too many calls are waiting for Gong's rate limit; retry later";
    case GongError::Kind::kWouldMissDeadline:
      return absl::StrCat(
          "Gong's rate limit leaves no turn for this call before its deadline; "
          "next turn in ",
          absl::FormatDuration(error.retry_after.value_or(absl::ZeroDuration())));
    case GongError::Kind::kHttpStatus:
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

StatusMapping MapGongError(const GongError& error) {
  switch (error.kind) {
    case GongError::Kind::kHttpStatus:
      return MapHttpStatus(error.http_status);
    case GongError::Kind::kTransport:
      return MapTransportFailure(error.transport_failure);
    case GongError::Kind::kQueueFull:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_QUEUE_FULL"};
    case GongError::Kind::kWouldMissDeadline:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_WAIT_EXCEEDS_DEADLINE"};
    case GongError::Kind::kMalformedResponse:
      break;
  }
  return {grpc::StatusCode::INTERNAL, "GONG_MALFORMED_RESPONSE"};
}

grpc::Status GongErrorToStatus(const GongError& error) {
  const StatusMapping row = MapGongError(error);
  ErrorDetails details;
  details.reason = std::string(row.reason);
  if (error.http_status != 0) {
    details.metadata["http_status"] = absl::StrCat(error.http_status);
  }
  if (!error.gong_request_id.empty()) {
    details.metadata["gong_request_id"] =
        BoundedText(error.gong_request_id, kMaxGongRequestIdBytes);
  }
  if (error.kind == GongError::Kind::kTransport) {
    details.metadata["transport_failure"] =
        std::string(http::TransportFailureName(error.transport_failure));
    // What a caller needs before sending again: "false" means Gong surely
    // did nothing (never sent, or refused unprocessed).
    details.metadata["gong_may_have_acted"] =
        error.delivery == http::Delivery::kMaybeProcessed ? "true" : "false";
  }
  details.retry_delay = error.retry_after;
  return MakeErrorStatus(row.code, Message(error), details);
}

}  // namespace gong
