#include "api/get_flow_steps_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

using internal::ToProto;

GetFlowStepsReactor::GetFlowStepsReactor(ServiceParts parts,
                                         const quota::GetFlowStepsCoalescing* coalescing,
                                         grpc::CallbackServerContext* context,
                                         const flows::v1::GetFlowStepsRequest* request,
                                         flows::v1::GetFlowStepsResponse* response)
    : GongCallReactor(parts, context, "GetFlowSteps", request, response,
                      upstream::DecodeGetFlowStepsResponse),
      coalescing_(coalescing),
      request_(request),
      response_(response) {}

Validated<upstream::GetFlowStepsParams> GetFlowStepsReactor::Validate() {
  return ValidateGetFlowSteps(*request_);
}

GetFlowStepsReactor::Encoded GetFlowStepsReactor::Encode(
    upstream::GetFlowStepsParams params, absl::Time deadline) {
  GongSubmission submission;
  submission.ids = params.flow_ids.size();
  submission.request = upstream::EncodeGetFlowSteps(params, deadline);
  submission.part = coalescing_->Part(std::move(params));
  return submission;
}

// The steward hands every lookup its share of Gong's answer, cut to this
// call's own flows, whether the request was merged or not.
grpc::Status GetFlowStepsReactor::Fill(upstream::GetFlowStepsResult result) {
  response_->set_request_id(std::move(result.request_id));
  for (upstream::FlowWithSteps& flow : result.flows) {
    ToProto(std::move(flow), response_->add_flows());
  }
  return grpc::Status::OK;
}

}  // namespace gong::api
