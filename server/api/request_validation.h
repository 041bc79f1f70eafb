// Checks each FlowService request before anything is sent to Gong, and
// turns a valid one into its endpoint codec's plain request. Every problem
// is reported, each against the path of the field that has it
// ("crm_prospect_ids[3]", "overrides.steps[0].number"), so a caller can fix
// them all in one go.
#pragma once

#include <vector>

#include "api/error_details.h"
#include "gong/assign_codec.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gong/list_flows_codec.h"
#include "gong/prospect_flows_codec.h"
#include "gong/unassign_codec.h"
#include "gong/unassign_crm_codec.h"

namespace gong {

inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxEmailBytes = 254;  // RFC 5321's path limit

template <typename Request>
struct Validated {
  Request request;                         // meaningful only when valid
  std::vector<FieldViolation> violations;  // empty when the request is valid
};
// UnassignByInstanceIds's: its ids distinct, in first-seen order.
using ValidatedRequest = Validated<UnassignRequest>;

// UnassignByInstanceIds takes repeated ids (each is sent once), as it
// always has; the newer methods refuse a repeated id, which is always a
// caller's mistake.
ValidatedRequest ValidateUnassignRequest(
    const flows::v1::UnassignByInstanceIdsRequest& request);

// Exactly one of the two id lists, 1..kMaxIdsPerLookup distinct ids.
Validated<ProspectFlowsQuery> ValidateGetProspectFlows(
    const flows::v1::GetProspectFlowsRequest& request);

// The owner's email is required. The page token is not read here (see
// page_token.h): the query's cursor is left empty.
Validated<ListFlowsQuery> ValidateListFlows(const flows::v1::ListFlowsRequest& request);

// 1..kMaxProspectsPerAssign distinct CRM ids, a flow id and the owner's
// email; in overrides, step numbers from 1, each once, and variable names,
// each once.
Validated<AssignRequest> ValidateAssignProspects(
    const flows::v1::AssignProspectsRequest& request);

// The CRM id, and exactly one of flow_id and all_flows: neither could only
// mean a forgotten flow id, which Gong would read as "every flow".
Validated<UnassignByCrmIdRequest> ValidateUnassignByCrmId(
    const flows::v1::UnassignByCrmIdRequest& request);

}  // namespace gong
