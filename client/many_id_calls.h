// The IdCalls of each many-id command, over the facade: which RPC carries
// a chunk, how many ids it takes, how its ids are looked up when a write is
// in doubt, and each answer printed on stdout as a single call prints it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flow_service_call.h"
#include "many_id_run.h"

namespace gong::cli {

// Gong's own bounds: 200 ids a call for unassign and the lookups, 100
// prospects for assign, one for unassign-crm.
inline constexpr size_t kUnassignChunk = 200;
inline constexpr size_t kLookupChunk = 200;
inline constexpr size_t kAssignChunk = 100;

// The writes' calls carry idempotency keys derived from `run_id` (see
// idempotency_key.h), the command, its fixed parameters and the call's ids.

// unassign: UnassignByInstanceIds; in doubt, sent again with its key, then
// looked up by instance id.
std::unique_ptr<IdCalls> UnassignCalls(const CallOptions& options,
                                       const std::string& run_id,
                                       const std::string& by_email);

// prospects get: GetProspectFlows by CRM id or by instance id.
std::unique_ptr<IdCalls> LookupCalls(const CallOptions& options, bool by_crm);

// GetProspectFlows of `ids`, CRM prospect ids when `by_crm`, else flow
// instance ids: the one call and the many-id lookups build it alike.
gong::flows::v1::GetProspectFlowsRequest ProspectFlowsRequest(
    const std::vector<std::string>& ids, bool by_crm);

// assign: AssignProspects with `overrides` (none when it is empty); in
// doubt, sent again with its key, then unknown. `key_params` are the fixed
// parameters the keys are derived from (the flow, owner, description and
// the overrides' fingerprint).
std::unique_ptr<IdCalls> AssignCalls(const CallOptions& options,
                                     const std::string& run_id,
                                     const std::string& flow_id,
                                     const std::string& owner_email,
                                     const std::string& description,
                                     const gong::flows::v1::AssignOverrides& overrides,
                                     std::vector<std::string> key_params);

// unassign-crm: UnassignByCrmId, one prospect a call, from `flow_id`
// (every flow when empty); in doubt, sent again with its key, then looked
// up by CRM id.
std::unique_ptr<IdCalls> UnassignCrmCalls(const CallOptions& options,
                                          const std::string& run_id,
                                          const std::string& flow_id,
                                          const std::string& by_email);

}  // namespace gong::cli
