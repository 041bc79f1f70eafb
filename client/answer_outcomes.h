// Each id's outcome in a many-id command's answers: what Gong's answer to
// a chunk says of each id sent, and what a lookup (GetProspectFlows) says
// of a write in doubt: still open (kStillAssigned) or not (kUnassigned).
#pragma once

#include <string>
#include <vector>

#include "gong/flows/v1/flow_service.pb.h"
#include "id_outcome.h"

namespace gong::cli {

// Whether an instance in this status is still running its flow: pending,
// running, paused, and a status this build does not know (the safe side:
// never reported removed when it may not be).
bool IsOpen(gong::flows::v1::FlowInstanceStatus status);

std::vector<IdResult> UnassignOutcomes(
    const gong::flows::v1::UnassignByInstanceIdsResponse& response);

// kAssigned for the ids in `assigned`, kNotAssigned (reason: the error
// code) for those in `not_assigned`; an id in neither is left out.
std::vector<IdResult> AssignOutcomes(
    const gong::flows::v1::AssignProspectsResponse& response);

// kFound for each of `ids` the answer has an instance of (by CRM id when
// `by_crm`, else by instance id), else kNotFound.
std::vector<IdResult> LookupOutcomes(
    const std::vector<std::string>& ids, bool by_crm,
    const gong::flows::v1::GetProspectFlowsResponse& response);

// unassign's ids in doubt, looked up by instance id: an open instance is
// kStillAssigned; a finished one, or one Gong does not know, kUnassigned.
std::vector<IdResult> SettleInstances(
    const std::vector<std::string>& ids,
    const gong::flows::v1::GetProspectFlowsResponse& response);

// unassign-crm's prospects in doubt, looked up by CRM id: kStillAssigned
// when one is open in `flow_id` (any flow when `flow_id` is empty, for
// --all-flows), else kUnassigned.
std::vector<IdResult> SettleProspects(
    const std::vector<std::string>& crm_ids, const std::string& flow_id,
    const gong::flows::v1::GetProspectFlowsResponse& response);

}  // namespace gong::cli
