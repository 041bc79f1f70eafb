// Checks each FlowService request before anything is sent to Gong, and
// turns a valid one into its endpoint codec's plain request. Each problem
// is reported against the path of the field that has it
// ("crm_prospect_ids[3]", "overrides.steps[0].number"), so a caller can fix
// them in one go; past kMaxListedViolations (violation_list.h) they are
// only counted. A list longer than its cap is one violation of the list,
// found before any of its entries is read: a request of a million ids costs
// no more to refuse than one of a thousand.
#pragma once

#include <vector>

#include "api/violation_list.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/get_flow_steps_codec.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/list_flow_folders_codec.h"
#include "upstream/list_flows_codec.h"
#include "upstream/unassign_by_crm_id_codec.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::api {

inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxEmailBytes = 254;  // RFC 5321's path limit

// UnassignByInstanceIds sends repeated ids once, so its cap of distinct ids
// (kMaxIdsPerUnassign) says nothing of the list's length: this does, with
// room for repeats.
inline constexpr size_t kMaxIdEntriesPerUnassign = 1000;

// Bounds on the text AssignProspects sends on to Gong, which documents none.
// Each is generous for what the field is for, and together they keep the
// largest valid request under 160 KiB: ids (100 of 128 bytes), emails, the
// description and kMaxOverridesTextBytes of overrides.
inline constexpr size_t kMaxDescriptionBytes = 1024;
inline constexpr size_t kMaxStepOverrides = 50;
inline constexpr size_t kMaxStepSubjectBytes = 1024;
inline constexpr size_t kMaxStepBodyBytes = 32 * 1024;
inline constexpr size_t kMaxVariableOverrides = 50;
inline constexpr size_t kMaxVariableNameBytes = 128;
inline constexpr size_t kMaxVariableValueBytes = 1024;
// The steps' subjects and bodies and the variables' names and values, all
// together: a few full email bodies, not kMaxStepOverrides of them.
inline constexpr size_t kMaxOverridesTextBytes = 128 * 1024;

// UnassignByInstanceIds's: its ids distinct, in first-seen order.
using ValidatedRequest = Validated<upstream::UnassignByInstanceIdsParams>;

// UnassignByInstanceIds takes repeated ids (each is sent once), as it
// always has, up to kMaxIdEntriesPerUnassign entries; the newer methods
// refuse a repeated id, which is always a caller's mistake.
ValidatedRequest ValidateUnassignByInstanceIds(
    const flows::v1::UnassignByInstanceIdsRequest& request);

// Exactly one of the two id lists, 1..kMaxIdsPerLookup distinct ids.
Validated<upstream::GetProspectFlowsParams> ValidateGetProspectFlows(
    const flows::v1::GetProspectFlowsRequest& request);

// The owner's email is required. The page token is not read here (see
// page_token.h): the query's cursor is left empty.
Validated<upstream::ListFlowsParams> ValidateListFlows(
    const flows::v1::ListFlowsRequest& request);

// 1..kMaxProspectsPerAssign distinct CRM ids, a flow id and the owner's
// email; in overrides, step numbers from 1, each once, and variable names,
// each once; every text within its bound above.
Validated<upstream::AssignProspectsParams> ValidateAssignProspects(
    const flows::v1::AssignProspectsRequest& request);

// The CRM id, and exactly one of flow_id and all_flows: neither could only
// mean a forgotten flow id, which Gong would read as "every flow".
Validated<upstream::UnassignByCrmIdParams> ValidateUnassignByCrmId(
    const flows::v1::UnassignByCrmIdRequest& request);

// The owner's email is required; the workspace and the parent folder, when
// set, are decimal ids (Gong's parentId is an int64). The page token is not
// read here: the query's cursor is left empty.
Validated<upstream::ListFlowFoldersParams> ValidateListFlowFolders(
    const flows::v1::ListFlowFoldersRequest& request);

// 1..kMaxFlowIdsPerSteps distinct flow ids: a repeated id is refused, as
// GetProspectFlows refuses one.
Validated<upstream::GetFlowStepsParams> ValidateGetFlowSteps(
    const flows::v1::GetFlowStepsRequest& request);

}  // namespace gong::api
