// One StartBulkAssignment call: validation, the bulk codec's start, and the
// job Gong reports turned into the response. A write: never merged with
// another call, resent only where Gong surely did not act, and never
// settled by reading Gong (Gong lists no jobs; write_settlement.h). The
// rest of the call is the skeleton's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/bulk_assignment_codec.h"

namespace gong::api {

class StartBulkAssignmentReactor final
    : public GongCallReactor<upstream::StartBulkAssignmentParams,
                             upstream::BulkAssignmentResult> {
 public:
  // `request` and `response` are the call's.
  StartBulkAssignmentReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                             const flows::v1::StartBulkAssignmentRequest* request,
                             flows::v1::StartBulkAssignmentResponse* response);

 private:
  Validated<upstream::StartBulkAssignmentParams> Validate() override;
  Encoded Encode(upstream::StartBulkAssignmentParams params,
                 absl::Time deadline) override;
  grpc::Status Fill(upstream::BulkAssignmentResult result) override;

  const flows::v1::StartBulkAssignmentRequest* const request_;
  flows::v1::StartBulkAssignmentResponse* const response_;
};

}  // namespace gong::api
