// POST /v2/flows/prospects/unassign-flows-by-instance-id: removes the open
// flow instances named by id. The body's format is sandbox_request.cc's.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sandbox/sandbox_endpoints.h"

namespace gong::sandbox::internal {

Reply UnassignByInstanceId(const Call& call, FlowsModel& model) {
  absl::StatusOr<UnassignRequest> parsed = ParseUnassignRequest(call.body);
  if (!parsed.ok()) return ErrorReply(call.request_id, 400, parsed.status().message());
  const std::string& refused = call.behavior.refused_id;
  if (!refused.empty() &&
      std::find(parsed->ids.begin(), parsed->ids.end(), refused) != parsed->ids.end()) {
    return ErrorReply(call.request_id, 400,
                      absl::StrCat("Invalid flow instance id: ", refused));
  }
  if (call.items_to_do > 0 && call.items_to_do < parsed->ids.size()) {
    parsed->ids.resize(call.items_to_do);
  }
  const std::vector<std::string> removed = model.UnassignInstances(parsed->ids);
  if (call.behavior.assume_assigned) {
    // Every id counts as assigned; the ones the model does hold are removed
    // all the same, so that lookups agree with the answer.
    return {200, SuccessBody(call.request_id, parsed->ids)};
  }
  if (removed.empty()) {
    // Gong's observed answer when none of the ids can be unassigned.
    return ErrorReply(
        call.request_id, 400,
        absl::StrCat("Flow instance does not exist: ", absl::StrJoin(parsed->ids, ", ")));
  }
  return {200, SuccessBody(call.request_id, removed)};
}

}  // namespace gong::sandbox::internal
