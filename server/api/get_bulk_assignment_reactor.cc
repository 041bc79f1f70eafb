#include "api/get_bulk_assignment_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

GetBulkAssignmentReactor::GetBulkAssignmentReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    const flows::v1::GetBulkAssignmentRequest* request,
    flows::v1::GetBulkAssignmentResponse* response)
    : GongCallReactor(parts, context, "GetBulkAssignment", request, response,
                      upstream::DecodeBulkAssignmentResponse),
      request_(request),
      response_(response) {}

Validated<upstream::GetBulkAssignmentParams> GetBulkAssignmentReactor::Validate() {
  return ValidateGetBulkAssignment(*request_);
}

GetBulkAssignmentReactor::Encoded GetBulkAssignmentReactor::Encode(
    upstream::GetBulkAssignmentParams params, absl::Time deadline) {
  GongSubmission submission;
  submission.ids = 1;
  submission.request = upstream::EncodeGetBulkAssignment(params, deadline);
  return submission;
}

grpc::Status GetBulkAssignmentReactor::Fill(upstream::BulkAssignmentResult result) {
  internal::ToProto(std::move(result), response_->mutable_bulk_assignment());
  return grpc::Status::OK;
}

}  // namespace gong::api
