#include "api/get_prospect_flows_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

using internal::ToProto;

GetProspectFlowsReactor::GetProspectFlowsReactor(
    ServiceParts parts, const quota::GetProspectFlowsCoalescing* coalescing,
    grpc::CallbackServerContext* context,
    const flows::v1::GetProspectFlowsRequest* request,
    flows::v1::GetProspectFlowsResponse* response)
    : GongCallReactor(parts, context, "GetProspectFlows", request, response,
                      upstream::DecodeGetProspectFlowsResponse),
      coalescing_(coalescing),
      request_(request),
      response_(response) {}

Validated<upstream::GetProspectFlowsParams> GetProspectFlowsReactor::Validate() {
  return ValidateGetProspectFlows(*request_);
}

GetProspectFlowsReactor::Encoded GetProspectFlowsReactor::Encode(
    upstream::GetProspectFlowsParams params, absl::Time deadline) {
  GongSubmission submission;
  submission.ids = params.ids.size();
  submission.request = upstream::EncodeGetProspectFlows(params, deadline);
  submission.part = coalescing_->Part(std::move(params));
  return submission;
}

// The steward hands every lookup its share of Gong's answer through the
// coalescing policy, cut to this call's own ids, whether the request was
// merged or not and however many of its callers are left.
grpc::Status GetProspectFlowsReactor::Fill(upstream::GetProspectFlowsResult result) {
  response_->set_request_id(std::move(result.request_id));
  for (upstream::FlowInstance& instance : result.flow_instances) {
    ToProto(std::move(instance), response_->add_flow_instances());
  }
  return grpc::Status::OK;
}

}  // namespace gong::api
