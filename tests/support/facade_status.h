// A status as the facade fails a call, for tests of its clients: a code,
// an ErrorInfo (reason and metadata) and a RetryInfo in
// grpc-status-details-bin.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gong::support {

inline grpc::Status FacadeStatus(grpc::StatusCode code, const std::string& reason,
                                 const std::map<std::string, std::string>& metadata = {},
                                 std::optional<absl::Duration> retry = std::nullopt) {
  google::rpc::Status details;
  details.set_code(code);
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("gong.io");
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  details.add_details()->PackFrom(info);
  if (retry) {
    google::rpc::RetryInfo retry_info;
    const int64_t nanos = absl::ToInt64Nanoseconds(*retry);
    retry_info.mutable_retry_delay()->set_seconds(nanos / 1000000000);
    retry_info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
    details.add_details()->PackFrom(retry_info);
  }
  return grpc::Status(code, "refused", details.SerializeAsString());
}

// INVALID_ARGUMENT as the facade refuses an invalid request (never sent):
// reason INVALID_REQUEST and a BadRequest, field -> description.
inline grpc::Status InvalidRequestStatus(
    const std::vector<std::pair<std::string, std::string>>& violations) {
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_REQUEST");
  info.set_domain("gong.io");
  details.add_details()->PackFrom(info);
  google::rpc::BadRequest bad;
  for (const auto& [field, description] : violations) {
    auto* violation = bad.add_field_violations();
    violation->set_field(field);
    violation->set_description(description);
  }
  details.add_details()->PackFrom(bad);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid request",
                      details.SerializeAsString());
}

}  // namespace gong::support
