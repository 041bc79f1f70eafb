// One AssignProspects call: validation, the assign codec, and Gong's
// assigned and refused prospects turned into the response. A write: it is
// never merged with another call, and the steward resends it only where
// Gong surely did not act. The rest of the call is the skeleton's
// (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/assign_prospects_codec.h"

namespace gong::api {

class AssignProspectsReactor final
    : public GongCallReactor<upstream::AssignProspectsParams,
                             upstream::AssignProspectsResult> {
 public:
  // `request` and `response` are the call's.
  AssignProspectsReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                         const flows::v1::AssignProspectsRequest* request,
                         flows::v1::AssignProspectsResponse* response);

 private:
  Validated<upstream::AssignProspectsParams> Validate() override;
  Encoded Encode(upstream::AssignProspectsParams params, absl::Time deadline) override;
  grpc::Status Fill(upstream::AssignProspectsResult result) override;

  const flows::v1::AssignProspectsRequest* const request_;
  flows::v1::AssignProspectsResponse* const response_;
};

}  // namespace gong::api
