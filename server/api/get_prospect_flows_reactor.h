// One GetProspectFlows call: validation, the lookup codec, the lookup's
// coalescing (waiting lookups by the same kind of id share one Gong
// request), and Gong's instances turned into the response. The rest of the
// call is every method's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/get_prospect_flows_coalescing.h"

namespace gong::api {

class GetProspectFlowsReactor final : public GongCallReactor {
 public:
  // `coalescing` outlives the call.
  GetProspectFlowsReactor(ServiceParts parts,
                          const quota::GetProspectFlowsCoalescing* coalescing,
                          grpc::CallbackServerContext* context,
                          flows::v1::GetProspectFlowsResponse* response);

  void Start(const flows::v1::GetProspectFlowsRequest& request);

 private:
  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) override;

  const quota::GetProspectFlowsCoalescing* const coalescing_;
  flows::v1::GetProspectFlowsResponse* const response_;
};

}  // namespace gong::api
