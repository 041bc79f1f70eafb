// Gong's endpoints as the sandbox serves them: one handler per endpoint,
// each in the file named after it, turning a request into a Reply by way of
// the flows model. The HTTP plumbing and the faults every endpoint shares
// (rate limit, forced answers, delays, authorization) are sandbox_gong.cc's;
// a handler sees only requests that got past them. Internal to the sandbox.
#pragma once

#include <map>
#include <string>

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
};

using Handler = Reply (*)(const Call& call, FlowsModel& model);

struct Endpoint {
  absl::string_view method;
  absl::string_view path;
  Handler handler;
};

// The endpoint serving `method` and `path` (without the query), or null:
// Gong answers 404 for any other.
const Endpoint* FindEndpoint(absl::string_view method, absl::string_view path);

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

}  // namespace gong::sandbox::internal
