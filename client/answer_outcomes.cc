#include "answer_outcomes.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/strip.h"

namespace gong::cli {

namespace v1 = gong::flows::v1;

bool IsOpen(v1::FlowInstanceStatus status) {
  switch (status) {
    case v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY:
    case v1::FLOW_INSTANCE_STATUS_FINISHED_RESPONSE:
    case v1::FLOW_INSTANCE_STATUS_FINISHED:
      return false;
    default:
      return true;
  }
}

std::vector<IdResult> UnassignOutcomes(
    const v1::UnassignByInstanceIdsResponse& response) {
  std::vector<IdResult> results;
  for (const std::string& id : response.unassigned_flow_instance_ids()) {
    results.push_back({id, IdOutcome::kUnassigned, response.request_id(), ""});
  }
  for (const std::string& id : response.still_assigned_flow_instance_ids()) {
    results.push_back({id, IdOutcome::kStillAssigned, response.request_id(), ""});
  }
  return results;
}

std::vector<IdResult> AssignOutcomes(const v1::AssignProspectsResponse& response) {
  std::vector<IdResult> results;
  for (const v1::FlowInstance& instance : response.assigned()) {
    results.push_back(
        {instance.crm_prospect_id(), IdOutcome::kAssigned, response.request_id(), ""});
  }
  for (const v1::AssignmentFailure& failure : response.not_assigned()) {
    const std::string& name = v1::AssignmentErrorCode_Name(failure.error_code());
    results.push_back(
        {failure.crm_prospect_id(), IdOutcome::kNotAssigned, response.request_id(),
         name.empty() ? "UNKNOWN"
                      : std::string(absl::StripPrefix(name, "ASSIGNMENT_ERROR_CODE_"))});
  }
  return results;
}

namespace {

// The ids of `ids` for which `has` holds, and the rest.
template <typename Has>
std::vector<IdResult> Split(const std::vector<std::string>& ids,
                            const std::string& request_id, IdOutcome yes, IdOutcome no,
                            Has has) {
  std::vector<IdResult> results;
  for (const std::string& id : ids) {
    results.push_back({id, has(id) ? yes : no, request_id, ""});
  }
  return results;
}

}  // namespace

std::vector<IdResult> LookupOutcomes(const std::vector<std::string>& ids, bool by_crm,
                                     const v1::GetProspectFlowsResponse& response) {
  absl::flat_hash_set<std::string> found;
  for (const v1::FlowInstance& instance : response.flow_instances()) {
    found.insert(by_crm ? instance.crm_prospect_id() : instance.flow_instance_id());
  }
  return Split(ids, response.request_id(), IdOutcome::kFound, IdOutcome::kNotFound,
               [&](const std::string& id) { return found.contains(id); });
}

std::vector<IdResult> SettleInstances(const std::vector<std::string>& ids,
                                      const v1::GetProspectFlowsResponse& response) {
  absl::flat_hash_set<std::string> open;
  for (const v1::FlowInstance& instance : response.flow_instances()) {
    if (IsOpen(instance.status())) open.insert(instance.flow_instance_id());
  }
  return Split(ids, response.request_id(), IdOutcome::kStillAssigned,
               IdOutcome::kUnassigned,
               [&](const std::string& id) { return open.contains(id); });
}

std::vector<IdResult> SettleProspects(const std::vector<std::string>& crm_ids,
                                      const std::string& flow_id,
                                      const v1::GetProspectFlowsResponse& response) {
  absl::flat_hash_set<std::string> open;
  for (const v1::FlowInstance& instance : response.flow_instances()) {
    if (IsOpen(instance.status()) && (flow_id.empty() || instance.flow_id() == flow_id)) {
      open.insert(instance.crm_prospect_id());
    }
  }
  return Split(crm_ids, response.request_id(), IdOutcome::kStillAssigned,
               IdOutcome::kUnassigned,
               [&](const std::string& id) { return open.contains(id); });
}

}  // namespace gong::cli
