#include "api/prospect_flows_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong {

ProspectFlowsReactor::ProspectFlowsReactor(ServiceParts parts,
                                           const ProspectFlowsCoalescing* coalescing,
                                           grpc::CallbackServerContext* context,
                                           flows::v1::GetProspectFlowsResponse* response)
    : GongCallReactor(parts, context, "GetProspectFlows"),
      coalescing_(coalescing),
      response_(response) {}

void ProspectFlowsReactor::Start(const flows::v1::GetProspectFlowsRequest& request) {
  if (!Authenticate()) return;
  Validated<ProspectFlowsQuery> validated = ValidateGetProspectFlows(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  const size_t ids = validated.request.ids.size();
  GongRequest gong_request = EncodeProspectFlows(validated.request, UpstreamDeadline());
  Submit(std::move(gong_request), coalescing_->Part(std::move(validated.request)), ids);
}

grpc::Status ProspectFlowsReactor::OnGongAnswer(GongAnswer answer, CallRecord* record) {
  // The steward hands every lookup its share of Gong's answer through the
  // coalescing policy, cut to this call's own ids, whether the request was
  // merged or not and however many of its callers are left.
  return ReadAnswer(std::move(answer), record, DecodeProspectFlowsOutcome,
                    [this](ProspectFlowsResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (FlowInstance& instance : result.flow_instances) {
                        ToProto(std::move(instance), response_->add_flow_instances());
                      }
                    });
}

}  // namespace gong
