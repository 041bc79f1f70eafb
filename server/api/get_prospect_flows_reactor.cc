#include "api/get_prospect_flows_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

GetProspectFlowsReactor::GetProspectFlowsReactor(
    ServiceParts parts, const quota::GetProspectFlowsCoalescing* coalescing,
    grpc::CallbackServerContext* context, flows::v1::GetProspectFlowsResponse* response)
    : GongCallReactor(parts, context, "GetProspectFlows"),
      coalescing_(coalescing),
      response_(response) {}

void GetProspectFlowsReactor::Start(const flows::v1::GetProspectFlowsRequest& request) {
  if (!Authenticate()) return;
  Validated<upstream::GetProspectFlowsParams> validated =
      ValidateGetProspectFlows(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  const size_t ids = validated.request.ids.size();
  upstream::GongRequest gong_request =
      upstream::EncodeGetProspectFlows(validated.request, UpstreamDeadline());
  Submit(std::move(gong_request), coalescing_->Part(std::move(validated.request)), ids);
}

grpc::Status GetProspectFlowsReactor::OnGongAnswer(upstream::GongAnswer answer,
                                                   CallRecord* record) {
  // The steward hands every lookup its share of Gong's answer through the
  // coalescing policy, cut to this call's own ids, whether the request was
  // merged or not and however many of its callers are left.
  return ReadAnswer(std::move(answer), record, upstream::DecodeGetProspectFlowsOutcome,
                    [this](upstream::GetProspectFlowsResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (upstream::FlowInstance& instance : result.flow_instances) {
                        ToProto(std::move(instance), response_->add_flow_instances());
                      }
                    });
}

}  // namespace gong::api
