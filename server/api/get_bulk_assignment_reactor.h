// One GetBulkAssignment call: validation of the job's id, the bulk codec's
// GET, and the job Gong reports turned into the response. A read: retried
// by the steward where that is safe, never merged (one job a request). The
// rest of the call is the skeleton's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/bulk_assignment_codec.h"

namespace gong::api {

class GetBulkAssignmentReactor final
    : public GongCallReactor<upstream::GetBulkAssignmentParams,
                             upstream::BulkAssignmentResult> {
 public:
  // `request` and `response` are the call's.
  GetBulkAssignmentReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                           const flows::v1::GetBulkAssignmentRequest* request,
                           flows::v1::GetBulkAssignmentResponse* response);

 private:
  Validated<upstream::GetBulkAssignmentParams> Validate() override;
  Encoded Encode(upstream::GetBulkAssignmentParams params, absl::Time deadline) override;
  grpc::Status Fill(upstream::BulkAssignmentResult result) override;

  const flows::v1::GetBulkAssignmentRequest* const request_;
  flows::v1::GetBulkAssignmentResponse* const response_;
};

}  // namespace gong::api
