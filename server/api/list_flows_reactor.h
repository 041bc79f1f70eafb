// One ListFlows call: validation, the page token (page_token.h), the
// listing codec, and Gong's page turned into the response with the token of
// the next one. The rest of the call is the skeleton's
// (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/list_flows_codec.h"

namespace gong::api {

class ListFlowsReactor final
    : public GongCallReactor<upstream::ListFlowsParams, upstream::ListFlowsResult> {
 public:
  // `request` and `response` are the call's.
  ListFlowsReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                   const flows::v1::ListFlowsRequest* request,
                   flows::v1::ListFlowsResponse* response);

 private:
  // The request's fields and its page token, whose cursor it carries.
  Validated<upstream::ListFlowsParams> Validate() override;
  Encoded Encode(upstream::ListFlowsParams params, absl::Time deadline) override;
  // A cursor too long to carry fails the call rather than give the caller a
  // token that the next call would refuse.
  grpc::Status Fill(upstream::ListFlowsResult result) override;

  const flows::v1::ListFlowsRequest* const request_;
  flows::v1::ListFlowsResponse* const response_;
  upstream::ListFlowsParams query_;  // the filters the next page's token is issued for
};

}  // namespace gong::api
