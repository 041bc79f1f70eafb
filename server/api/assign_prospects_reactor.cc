#include "api/assign_prospects_reactor.h"

#include <utility>

#include "api/proto_conversions.h"
#include "api/request_validation.h"

namespace gong::api {

using internal::ToProto;

AssignProspectsReactor::AssignProspectsReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    const flows::v1::AssignProspectsRequest* request,
    flows::v1::AssignProspectsResponse* response)
    : GongCallReactor(parts, context, "AssignProspects", request, response,
                      upstream::DecodeAssignProspectsResponse,
                      &kAssignProspectsSettlement),
      request_(request),
      response_(response) {}

Validated<upstream::AssignProspectsParams> AssignProspectsReactor::Validate() {
  return ValidateAssignProspects(*request_);
}

AssignProspectsReactor::Encoded AssignProspectsReactor::Encode(
    upstream::AssignProspectsParams params, absl::Time deadline) {
  GongSubmission submission;
  submission.ids = params.crm_prospect_ids.size();
  submission.request = upstream::EncodeAssignProspects(params, deadline);
  return submission;
}

grpc::Status AssignProspectsReactor::Fill(upstream::AssignProspectsResult result) {
  response_->set_request_id(std::move(result.request_id));
  for (upstream::FlowInstance& instance : result.assigned) {
    ToProto(std::move(instance), response_->add_assigned());
  }
  for (upstream::AssignmentFailure& failure : result.not_assigned) {
    ToProto(std::move(failure), response_->add_not_assigned());
  }
  return grpc::Status::OK;
}

}  // namespace gong::api
