// The table of the endpoints the sandbox serves: see sandbox_endpoints.h.
#include "sandbox/sandbox_endpoints.h"

namespace gong::sandbox::internal {

const Endpoint* FindEndpoint(absl::string_view method, absl::string_view path) {
  static constexpr Endpoint kEndpoints[] = {
      {"POST", kUnassignPath, &UnassignByInstanceId, "flowInstanceIds"},
      {"POST", "/v2/flows/prospects", &LookUpProspects, ""},
      {"GET", "/v2/flows", &ListFlows, ""},
      {"POST", "/v2/flows/prospects/assign", &AssignProspects, "crmProspectsIds"},
      {"POST", "/v2/flows/prospects/unassign-flows-by-crm-id", &UnassignByCrmId,
       "crmProspectId"},
      {"GET", "/v2/flows/folders", &ListFlowFolders, ""},
      {"POST", "/v2/flows/steps", &GetFlowSteps, ""},
  };
  for (const Endpoint& endpoint : kEndpoints) {
    if (endpoint.method == method && endpoint.path == path) return &endpoint;
  }
  return nullptr;
}

}  // namespace gong::sandbox::internal
