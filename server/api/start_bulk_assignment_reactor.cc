#include "api/start_bulk_assignment_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"
#include "api/write_settlement.h"

namespace gong::api {

StartBulkAssignmentReactor::StartBulkAssignmentReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    const flows::v1::StartBulkAssignmentRequest* request,
    flows::v1::StartBulkAssignmentResponse* response)
    : GongCallReactor(parts, context, "StartBulkAssignment", request, response,
                      upstream::DecodeBulkAssignmentResponse,
                      &kStartBulkAssignmentSettlement),
      request_(request),
      response_(response) {}

Validated<upstream::StartBulkAssignmentParams> StartBulkAssignmentReactor::Validate() {
  return ValidateStartBulkAssignment(*request_);
}

StartBulkAssignmentReactor::Encoded StartBulkAssignmentReactor::Encode(
    upstream::StartBulkAssignmentParams params, absl::Time deadline) {
  GongSubmission submission;
  submission.ids = params.prospects.size();
  submission.request = upstream::EncodeStartBulkAssignment(params, deadline);
  return submission;
}

grpc::Status StartBulkAssignmentReactor::Fill(upstream::BulkAssignmentResult result) {
  internal::ToProto(std::move(result), response_->mutable_bulk_assignment());
  return grpc::Status::OK;
}

}  // namespace gong::api
