#include "api/assign_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"
#include "gong/assign_codec.h"

namespace gong {

AssignReactor::AssignReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                             flows::v1::AssignProspectsResponse* response)
    : GongCallReactor(parts, context, "AssignProspects"), response_(response) {}

void AssignReactor::Start(const flows::v1::AssignProspectsRequest& request) {
  if (!Authenticate()) return;
  Validated<AssignRequest> validated = ValidateAssignProspects(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  const size_t ids = validated.request.crm_prospect_ids.size();
  Submit(EncodeAssign(validated.request, UpstreamDeadline()), /*part=*/nullptr, ids);
}

grpc::Status AssignReactor::OnGongAnswer(GongAnswer answer, CallRecord* record) {
  return ReadAnswer(std::move(answer), record, DecodeAssignOutcome,
                    [this](AssignResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (FlowInstance& instance : result.assigned) {
                        ToProto(std::move(instance), response_->add_assigned());
                      }
                      for (AssignmentFailure& failure : result.not_assigned) {
                        ToProto(std::move(failure), response_->add_not_assigned());
                      }
                    });
}

}  // namespace gong
