// The one declaration of which FlowService methods read and which write.
#include "api/method_access.h"

#include <algorithm>

namespace gong::api {
namespace {

// A new RPC goes into one of these (docs/contributing.md#add-an-endpoint).
constexpr absl::string_view kReadMethods[] = {
    "GetProspectFlows",
    "ListFlows",
    "ListFlowFolders",
    "GetFlowSteps",
    "GetBulkAssignment",
    "WatchBulkAssignment",
};
constexpr absl::string_view kWriteMethods[] = {
    "UnassignByInstanceIds",
    "UnassignByCrmId",
    "AssignProspects",
    "StartBulkAssignment",
};

bool Contains(absl::Span<const absl::string_view> methods, absl::string_view method) {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

}  // namespace

absl::Span<const absl::string_view> ReadMethods() { return kReadMethods; }
absl::Span<const absl::string_view> WriteMethods() { return kWriteMethods; }

std::optional<MethodAccess> AccessOf(absl::string_view method) {
  // Both lists would be a bug the test catches; should it ship anyway,
  // the stricter reading holds.
  if (Contains(kWriteMethods, method)) return MethodAccess::kWrite;
  if (Contains(kReadMethods, method)) return MethodAccess::kRead;
  return std::nullopt;
}

bool MayCall(auth::Role role, absl::string_view method) {
  const std::optional<MethodAccess> access = AccessOf(method);
  if (!access.has_value()) return false;
  return role == auth::Role::kWriter || *access == MethodAccess::kRead;
}

}  // namespace gong::api
