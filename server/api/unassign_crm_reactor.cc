#include "api/unassign_crm_reactor.h"

#include <utility>

#include "api/request_validation.h"
#include "gong/unassign_crm_codec.h"

namespace gong {

UnassignCrmReactor::UnassignCrmReactor(ServiceParts parts,
                                       grpc::CallbackServerContext* context,
                                       flows::v1::UnassignByCrmIdResponse* response)
    : GongCallReactor(parts, context, "UnassignByCrmId"), response_(response) {}

void UnassignCrmReactor::Start(const flows::v1::UnassignByCrmIdRequest& request) {
  if (!Authenticate()) return;
  Validated<UnassignByCrmIdRequest> validated = ValidateUnassignByCrmId(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  // The codec checks "one flow or all flows" again on its own: the request
  // that could empty a prospect's every flow is refused twice over.
  absl::StatusOr<GongRequest> gong_request =
      EncodeUnassignByCrmId(validated.request, UpstreamDeadline());
  if (!gong_request.ok()) {
    ViolationList violations;
    violations.Add("flow_id", std::string(gong_request.status().message()));
    FinishInvalid(violations);
    return;
  }
  Submit(*std::move(gong_request), /*part=*/nullptr, /*ids=*/1);
}

grpc::Status UnassignCrmReactor::OnGongAnswer(GongAnswer answer, CallRecord* record) {
  return ReadAnswer(std::move(answer), record, DecodeUnassignByCrmIdOutcome,
                    [this](UnassignByCrmIdResult result) {
                      response_->set_request_id(std::move(result.request_id));
                      for (std::string& id : result.unassigned_flow_instance_ids) {
                        response_->add_unassigned_flow_instance_ids(std::move(id));
                      }
                    });
}

}  // namespace gong
