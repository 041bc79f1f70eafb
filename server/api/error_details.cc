#include "api/error_details.h"

#include "api/upstream_text.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gong::api {

grpc::Status MakeErrorStatus(grpc::StatusCode code, std::string message,
                             const ErrorDetails& details) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);

  google::rpc::ErrorInfo info;
  info.set_reason(details.reason);
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : details.metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  status.add_details()->PackFrom(info);

  if (details.retry_delay.has_value()) {
    google::rpc::RetryInfo retry;
    const absl::Duration delay = *details.retry_delay;
    const int64_t seconds = absl::ToInt64Seconds(delay);
    retry.mutable_retry_delay()->set_seconds(seconds);
    retry.mutable_retry_delay()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(delay - absl::Seconds(seconds))));
    status.add_details()->PackFrom(retry);
  }

  if (!details.field_violations.empty()) {
    google::rpc::BadRequest bad;
    for (const FieldViolation& v : details.field_violations) {
      auto* out = bad.add_field_violations();
      out->set_field(v.field);
      out->set_description(v.description);
    }
    status.add_details()->PackFrom(bad);
  }
  return grpc::Status(code, std::move(message), status.SerializeAsString());
}

grpc::Status CursorTooLongStatus(const absl::Status& why, absl::string_view request_id) {
  ErrorDetails details;
  details.reason = "GONG_CURSOR_TOO_LONG";
  if (!request_id.empty()) {
    details.metadata["gong_request_id"] =
        internal::BoundedText(request_id, internal::kMaxGongRequestIdBytes);
  }
  return MakeErrorStatus(grpc::StatusCode::INTERNAL, std::string(why.message()), details);
}

}  // namespace gong::api
