// Gong's endpoints as the sandbox serves them: one handler per endpoint,
// each in the file named after it, turning a request into a Reply by way of
// the flows model. The HTTP plumbing and the faults every endpoint shares
// (rate limit, forced answers, delays, authorization, answers lost after
// acting) are sandbox_gong.cc's; a handler sees only requests that got past
// those before the work. Internal to the sandbox.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_flows_model.h"
#include "sandbox/sandbox_gong.h"
#include "sandbox/sandbox_request.h"

namespace gong::sandbox::internal {

// A request's query parameters, decoded, as cpp-httplib hands them over.
using QueryParams = std::multimap<std::string, std::string>;

// One request, as far as a handler needs it.
struct Call {
  absl::string_view body;
  const QueryParams& params;
  const Behavior& behavior;  // in force when the request arrived
  const std::string& request_id;
  absl::Time now;
  int page_size;  // Options::page_size
  // A write failing after acting (Behavior::after_acting): how many of its
  // items to do, in request order, once the whole body has been checked
  // (0: all of them).
  size_t items_to_do = 0;
  // The id an endpoint with Endpoint::id_in_path names in its last path
  // segment ("" for the others).
  absl::string_view path_id = {};
};

using Handler = Reply (*)(const Call& call, FlowsModel& model);

struct Endpoint {
  absl::string_view method;
  absl::string_view path;
  Handler handler;
  // A write's items (what Behavior::after_acting_items counts): the body's
  // field naming them, an array of ids or one id. Empty for a read.
  absl::string_view items_field;
  // The path is `path` + "/" + one non-empty segment: the id of what it
  // reads (Call::path_id).
  bool id_in_path = false;
};

// The ids a write's body names in its items_field, in request order, the
// first `items_to_do` of them (0: all): what RecordedRequest::write_items
// holds. Empty for a read, or a body without such ids (the endpoint
// refuses it); entries that are not ids are skipped.
std::vector<std::string> WriteItems(const Endpoint& endpoint, absl::string_view body,
                                    size_t items_to_do);

// The endpoint serving `method` and `path` (without the query), or null:
// Gong answers 404 for any other.
const Endpoint* FindEndpoint(absl::string_view method, absl::string_view path);
// The id `path` names for `endpoint` (see Endpoint::id_in_path), or "".
absl::string_view PathId(const Endpoint& endpoint, absl::string_view path);

// POST /v2/flows/prospects/unassign-flows-by-instance-id
// (sandbox_unassign_by_instance_id.cc).
Reply UnassignByInstanceId(const Call& call, FlowsModel& model);
// POST /v2/flows/prospects (sandbox_prospects_lookup.cc).
Reply LookUpProspects(const Call& call, FlowsModel& model);
// GET /v2/flows (sandbox_flows_list.cc).
Reply ListFlows(const Call& call, FlowsModel& model);
// POST /v2/flows/prospects/assign (sandbox_prospects_assign.cc).
Reply AssignProspects(const Call& call, FlowsModel& model);
// POST /v2/flows/prospects/unassign-flows-by-crm-id
// (sandbox_unassign_by_crm_id.cc).
Reply UnassignByCrmId(const Call& call, FlowsModel& model);
// POST /v2/flows/prospects/bulk-assignments and GET
// /v2/flows/prospects/bulk-assignments/{id} (sandbox_bulk_assignments.cc).
Reply StartBulkAssignment(const Call& call, FlowsModel& model);
Reply GetBulkAssignment(const Call& call, FlowsModel& model);
// GET /v2/flows/folders (sandbox_flow_folders.cc).
Reply ListFlowFolders(const Call& call, FlowsModel& model);
// POST /v2/flows/steps (sandbox_flow_steps.cc).
Reply GetFlowSteps(const Call& call, FlowsModel& model);

}  // namespace gong::sandbox::internal
