// One GetFlowSteps call: validation, the steps codec, the lookup's
// coalescing (waiting lookups share one Gong request; a 404 for a merged
// one is split until each caller has its own answer), and Gong's flows
// turned into the response. The rest of the call is the skeleton's
// (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/get_flow_steps_coalescing.h"
#include "upstream/get_flow_steps_codec.h"

namespace gong::api {

class GetFlowStepsReactor final
    : public GongCallReactor<upstream::GetFlowStepsParams, upstream::GetFlowStepsResult> {
 public:
  // `coalescing` outlives the call; `request` and `response` are the call's.
  GetFlowStepsReactor(ServiceParts parts, const quota::GetFlowStepsCoalescing* coalescing,
                      grpc::CallbackServerContext* context,
                      const flows::v1::GetFlowStepsRequest* request,
                      flows::v1::GetFlowStepsResponse* response);

 private:
  Validated<upstream::GetFlowStepsParams> Validate() override;
  Encoded Encode(upstream::GetFlowStepsParams params, absl::Time deadline) override;
  grpc::Status Fill(upstream::GetFlowStepsResult result) override;

  const quota::GetFlowStepsCoalescing* const coalescing_;
  const flows::v1::GetFlowStepsRequest* const request_;
  flows::v1::GetFlowStepsResponse* const response_;
};

}  // namespace gong::api
