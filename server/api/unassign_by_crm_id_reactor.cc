#include "api/unassign_by_crm_id_reactor.h"

#include <string>
#include <utility>

#include "api/request_validation.h"

namespace gong::api {

UnassignByCrmIdReactor::UnassignByCrmIdReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    const flows::v1::UnassignByCrmIdRequest* request,
    flows::v1::UnassignByCrmIdResponse* response)
    : GongCallReactor(parts, context, "UnassignByCrmId", request, response,
                      upstream::DecodeUnassignByCrmIdResponse,
                      &kUnassignByCrmIdSettlement),
      request_(request),
      response_(response) {}

Validated<upstream::UnassignByCrmIdParams> UnassignByCrmIdReactor::Validate() {
  return ValidateUnassignByCrmId(*request_);
}

// The codec checks "one flow or all flows" again on its own: the request
// that could empty a prospect's every flow is refused twice over.
UnassignByCrmIdReactor::Encoded UnassignByCrmIdReactor::Encode(
    upstream::UnassignByCrmIdParams params, absl::Time deadline) {
  absl::StatusOr<upstream::GongRequest> gong_request =
      upstream::EncodeUnassignByCrmId(params, deadline);
  if (!gong_request.ok()) {
    ViolationList violations;
    violations.Add("flow_id", std::string(gong_request.status().message()));
    return violations;
  }
  GongSubmission submission;
  submission.request = *std::move(gong_request);
  submission.ids = 1;
  return submission;
}

grpc::Status UnassignByCrmIdReactor::Fill(upstream::UnassignByCrmIdResult result) {
  response_->set_request_id(std::move(result.request_id));
  for (std::string& id : result.unassigned_flow_instance_ids) {
    response_->add_unassigned_flow_instance_ids(std::move(id));
  }
  return grpc::Status::OK;
}

}  // namespace gong::api
