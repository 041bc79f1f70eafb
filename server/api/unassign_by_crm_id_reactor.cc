#include "api/unassign_by_crm_id_reactor.h"

#include <utility>

#include "api/request_validation.h"
#include "upstream/unassign_by_crm_id_codec.h"

namespace gong::api {

UnassignByCrmIdReactor::UnassignByCrmIdReactor(
    ServiceParts parts, grpc::CallbackServerContext* context,
    flows::v1::UnassignByCrmIdResponse* response)
    : GongCallReactor(parts, context, "UnassignByCrmId"), response_(response) {}

void UnassignByCrmIdReactor::Start(const flows::v1::UnassignByCrmIdRequest& request) {
  if (!Authenticate()) return;
  Validated<upstream::UnassignByCrmIdParams> validated = ValidateUnassignByCrmId(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  // The codec checks "one flow or all flows" again on its own: the request
  // that could empty a prospect's every flow is refused twice over.
  absl::StatusOr<upstream::GongRequest> gong_request =
      upstream::EncodeUnassignByCrmId(validated.request, UpstreamDeadline());
  if (!gong_request.ok()) {
    ViolationList violations;
    violations.Add("flow_id", std::string(gong_request.status().message()));
    FinishInvalid(violations);
    return;
  }
  Submit(*std::move(gong_request), /*part=*/nullptr, /*ids=*/1);
}

grpc::Status UnassignByCrmIdReactor::OnGongAnswer(upstream::GongAnswer answer,
                                                  CallRecord* record) {
  return ReadAnswer(std::move(answer), record, upstream::DecodeUnassignByCrmIdOutcome,
                    [this](upstream::UnassignByCrmIdResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (std::string& id : result.unassigned_flow_instance_ids) {
                        response_->add_unassigned_flow_instance_ids(std::move(id));
                      }
                    });
}

}  // namespace gong::api
