// POST /v2/flows/prospects: body exactly one of `{"crmProspectsIds": [...]}`
// or `{"flowInstanceIds": [...]}` (1 to 200 ids); answers
// `{requestId, prospectsAssigned: [instance...]}`. By CRM ids only open
// instances come back, by instance ids finished ones too, as Gong's unassign
// page has clients look instance ids up here. Unknown ids are simply absent.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {
namespace {

// Gong documents no cap for this list; the sandbox holds it to Gong's cap
// for instance ids elsewhere, so that a client never relies on more.
constexpr size_t kMaxLookupIds = 200;

}  // namespace

Reply LookUpProspects(const Call& call, FlowsModel& model) {
  absl::StatusOr<nlohmann::json> request = ParseObject(call.body);
  if (!request.ok()) return ErrorReply(call.request_id, 400, request.status().message());
  const bool by_crm_id = !IsAbsent(*request, "crmProspectsIds");
  const bool by_instance_id = !IsAbsent(*request, "flowInstanceIds");
  if (by_crm_id == by_instance_id) {
    return ErrorReply(call.request_id, 400,
                      "Exactly one of crmProspectsIds and flowInstanceIds is required");
  }
  // A repeated id asks for nothing more; it is not worth refusing.
  absl::StatusOr<std::vector<std::string>> ids =
      IdList(*request, by_crm_id ? "crmProspectsIds" : "flowInstanceIds", kMaxLookupIds,
             /*unique=*/false);
  if (!ids.ok()) return ErrorReply(call.request_id, 400, ids.status().message());

  const std::vector<InstanceView> found =
      by_crm_id ? model.OpenInstancesOfProspects(*ids) : model.InstancesById(*ids);
  nlohmann::json assigned = nlohmann::json::array();
  for (const InstanceView& view : found) assigned.push_back(InstanceJson(view));
  return {200, Dump(nlohmann::json{{"requestId", call.request_id},
                                   {"prospectsAssigned", assigned}})};
}

}  // namespace gong::sandbox::internal
