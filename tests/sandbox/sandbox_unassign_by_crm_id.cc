// POST /v2/flows/prospects/unassign-flows-by-crm-id: body
// `{crmProspectId, flowId?, unassignedByUserEmail?}`; removes the prospect's
// open instances of that flow, or of every flow without flowId, and answers
// `{requestId, unassignedFlowInstanceIds}` (empty when there were none: a
// prospect the model never saw is not an error, as CRM ids are just ids).
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {

Reply UnassignByCrmId(const Call& call, FlowsModel& model) {
  absl::StatusOr<nlohmann::json> request = ParseObject(call.body);
  if (!request.ok()) return ErrorReply(call.request_id, 400, request.status().message());
  if (IsAbsent(*request, "crmProspectId")) {
    return ErrorReply(call.request_id, 400, "crmProspectId is required");
  }
  absl::StatusOr<std::string> crm_id =
      IdText(request->at("crmProspectId"), "crmProspectId");
  if (!crm_id.ok()) return ErrorReply(call.request_id, 400, crm_id.status().message());
  absl::StatusOr<std::optional<std::string>> flow_id = OptionalId(*request, "flowId");
  if (!flow_id.ok()) return ErrorReply(call.request_id, 400, flow_id.status().message());
  // Accepted and checked, but not kept: the model has no audit trail.
  absl::StatusOr<std::optional<std::string>> by =
      OptionalString(*request, "unassignedByUserEmail");
  if (!by.ok()) return ErrorReply(call.request_id, 400, by.status().message());

  const std::vector<std::string> removed = model.UnassignProspect(*crm_id, *flow_id);
  return {200, SuccessBody(call.request_id, removed)};
}

}  // namespace gong::sandbox::internal
