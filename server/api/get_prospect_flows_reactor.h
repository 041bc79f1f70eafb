// One GetProspectFlows call: validation, the lookup codec, the lookup's
// coalescing (waiting lookups by the same kind of id share one Gong
// request), and Gong's instances turned into the response. The rest of the
// call is the skeleton's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/get_prospect_flows_coalescing.h"
#include "upstream/get_prospect_flows_codec.h"

namespace gong::api {

class GetProspectFlowsReactor final
    : public GongCallReactor<upstream::GetProspectFlowsParams,
                             upstream::GetProspectFlowsResult> {
 public:
  // `coalescing` outlives the call; `request` and `response` are the call's.
  GetProspectFlowsReactor(ServiceParts parts,
                          const quota::GetProspectFlowsCoalescing* coalescing,
                          grpc::CallbackServerContext* context,
                          const flows::v1::GetProspectFlowsRequest* request,
                          flows::v1::GetProspectFlowsResponse* response);

 private:
  Validated<upstream::GetProspectFlowsParams> Validate() override;
  Encoded Encode(upstream::GetProspectFlowsParams params, absl::Time deadline) override;
  grpc::Status Fill(upstream::GetProspectFlowsResult result) override;

  const quota::GetProspectFlowsCoalescing* const coalescing_;
  const flows::v1::GetProspectFlowsRequest* const request_;
  flows::v1::GetProspectFlowsResponse* const response_;
};

}  // namespace gong::api
