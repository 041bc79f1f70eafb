// One UnassignByCrmId call: validation (exactly one of a flow and all
// flows), the unassign-by-CRM-id codec, and the instances Gong removed. A
// write: never merged, resent only where Gong surely did not act. The rest
// of the call is the skeleton's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/unassign_by_crm_id_codec.h"

namespace gong::api {

class UnassignByCrmIdReactor final
    : public GongCallReactor<upstream::UnassignByCrmIdParams,
                             upstream::UnassignByCrmIdResult> {
 public:
  // `request` and `response` are the call's.
  UnassignByCrmIdReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                         const flows::v1::UnassignByCrmIdRequest* request,
                         flows::v1::UnassignByCrmIdResponse* response);

 private:
  Validated<upstream::UnassignByCrmIdParams> Validate() override;
  Encoded Encode(upstream::UnassignByCrmIdParams params, absl::Time deadline) override;
  grpc::Status Fill(upstream::UnassignByCrmIdResult result) override;

  const flows::v1::UnassignByCrmIdRequest* const request_;
  flows::v1::UnassignByCrmIdResponse* const response_;
};

}  // namespace gong::api
