// POST /v2/flows/steps: body `{"flowIds": [...]}` (1 to 20); answers
// `{requestId, flows[]}`, each flow `{id, name, folderId, visibility,
// creationDate, exclusive, description, steps[]}` and each step `{id,
// stepOrder (from 1), action, subject, body, isReply}`, in request order. One
// unknown flow fails the whole request with a 404, as Gong's does.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

// Gong's documented per-request maximum.
constexpr size_t kMaxFlowIds = 20;

absl::string_view ActionName(StepAction action) {
  switch (action) {
    case StepAction::kSendEmail:
      return "SEND_EMAIL";
    case StepAction::kAutoSendEmail:
      return "AUTO_SEND_EMAIL";
    case StepAction::kCall:
      return "CALL";
    case StepAction::kLinkedInConnect:
      return "LINKEDIN_CONNECT";
    case StepAction::kLinkedInMessage:
      return "LINKEDIN_MESSAGE";
    case StepAction::kCustom:
      return "CUSTOM";
  }
  return "CUSTOM";
}

json FlowJson(const SandboxFlow& flow) {
  json steps = json::array();
  for (size_t i = 0; i < flow.steps.size(); ++i) {
    const SandboxStep& step = flow.steps[i];
    steps.push_back({{"id", step.id},
                     {"stepOrder", i + 1},
                     {"action", std::string(ActionName(step.action))},
                     {"subject", step.subject},
                     {"body", step.body},
                     {"isReply", step.is_reply}});
  }
  return json{
      {"id", flow.id},
      {"name", flow.name},
      {"folderId", flow.folder_id},
      {"visibility", std::string(VisibilityName(flow.visibility))},
      {"creationDate", GongTime(flow.creation_date)},
      {"exclusive", flow.exclusive},
      {"description", flow.description},
      {"steps", std::move(steps)},
  };
}

}  // namespace

Reply GetFlowSteps(const Call& call, FlowsModel& model) {
  absl::StatusOr<json> request = ParseObject(call.body);
  if (!request.ok()) return ErrorReply(call.request_id, 400, request.status().message());
  if (IsAbsent(*request, "flowIds")) {
    return ErrorReply(call.request_id, 400, "flowIds is required");
  }
  absl::StatusOr<std::vector<std::string>> ids =
      IdList(*request, "flowIds", kMaxFlowIds, /*unique=*/false);
  if (!ids.ok()) return ErrorReply(call.request_id, 400, ids.status().message());
  absl::StatusOr<std::vector<SandboxFlow>> flows = model.FlowsById(*ids);
  if (!flows.ok()) return ErrorReply(call.request_id, 404, flows.status().message());
  json answer = json::array();
  for (const SandboxFlow& flow : *flows) answer.push_back(FlowJson(flow));
  return {200, Dump(json{{"requestId", call.request_id}, {"flows", std::move(answer)}})};
}

}  // namespace gong::sandbox::internal
