#include "api/assign_prospects_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"
#include "upstream/assign_prospects_codec.h"

namespace gong::api {

AssignProspectsReactor::AssignProspectsReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    flows::v1::AssignProspectsResponse* response)
    : GongCallReactor(parts, context, "AssignProspects"), response_(response) {}

void AssignProspectsReactor::Start(const flows::v1::AssignProspectsRequest& request) {
  if (!Authenticate()) return;
  Validated<upstream::AssignProspectsParams> validated = ValidateAssignProspects(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  const size_t ids = validated.request.crm_prospect_ids.size();
  Submit(upstream::EncodeAssignProspects(validated.request, UpstreamDeadline()),
         /*part=*/nullptr, ids);
}

grpc::Status AssignProspectsReactor::OnGongAnswer(upstream::GongAnswer answer,
                                                  CallRecord* record) {
  return ReadAnswer(std::move(answer), record, upstream::DecodeAssignProspectsOutcome,
                    [this](upstream::AssignProspectsResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (upstream::FlowInstance& instance : result.assigned) {
                        ToProto(std::move(instance), response_->add_assigned());
                      }
                      for (upstream::AssignmentFailure& failure : result.not_assigned) {
                        ToProto(std::move(failure), response_->add_not_assigned());
                      }
                    });
}

}  // namespace gong::api
