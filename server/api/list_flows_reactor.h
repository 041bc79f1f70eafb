// One ListFlows call: validation, the page token (page_token.h), the
// listing codec, and Gong's page turned into the response with the token of
// the next one. The rest of the call is every method's
// (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/list_flows_codec.h"

namespace gong::api {

class ListFlowsReactor final : public GongCallReactor {
 public:
  ListFlowsReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                   flows::v1::ListFlowsResponse* response);

  void Start(const flows::v1::ListFlowsRequest& request);

 private:
  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) override;

  flows::v1::ListFlowsResponse* const response_;
  upstream::ListFlowsParams query_;  // the filters the next page's token is issued for
};

}  // namespace gong::api
