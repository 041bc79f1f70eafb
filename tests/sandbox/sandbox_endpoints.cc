// The table of the endpoints the sandbox serves: see sandbox_endpoints.h.
#include "sandbox/sandbox_endpoints.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "sandbox/sandbox_bulk_assignments.h"

namespace gong::sandbox::internal {

const Endpoint* FindEndpoint(absl::string_view method, absl::string_view path) {
  static constexpr Endpoint kEndpoints[] = {
      {"POST", kUnassignPath, &UnassignByInstanceId, "flowInstanceIds"},
      {"POST", "/v2/flows/prospects", &LookUpProspects, ""},
      {"GET", "/v2/flows", &ListFlows, ""},
      {"POST", "/v2/flows/prospects/assign", &AssignProspects, "crmProspectsIds"},
      {"POST", "/v2/flows/prospects/unassign-flows-by-crm-id", &UnassignByCrmId,
       "crmProspectId"},
      // A job is one item: its flow, whose id the start names.
      {"POST", kBulkAssignmentsPath, &StartBulkAssignment, "flowId"},
      {"GET", kBulkAssignmentsPath, &GetBulkAssignment, "", /*id_in_path=*/true},
      {"GET", "/v2/flows/folders", &ListFlowFolders, ""},
      {"POST", "/v2/flows/steps", &GetFlowSteps, ""},
  };
  for (const Endpoint& endpoint : kEndpoints) {
    if (endpoint.method != method) continue;
    if (endpoint.id_in_path ? !PathId(endpoint, path).empty() : endpoint.path == path) {
      return &endpoint;
    }
  }
  return nullptr;
}

absl::string_view PathId(const Endpoint& endpoint, absl::string_view path) {
  if (!endpoint.id_in_path || !absl::ConsumePrefix(&path, endpoint.path) ||
      !absl::ConsumePrefix(&path, "/") || absl::StrContains(path, '/')) {
    return "";
  }
  return path;
}

}  // namespace gong::sandbox::internal
