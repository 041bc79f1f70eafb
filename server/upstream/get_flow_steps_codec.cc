#include "upstream/get_flow_steps_codec.h"

#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "upstream/flow_listing.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
namespace {

using internal::json::FieldReader;
using internal::json::Json;

// Gong's spelling of each action, as its API description lists them.
FlowStepAction ActionFromGong(absl::string_view text) {
  if (text == "SEND_EMAIL") return FlowStepAction::kSendEmail;
  if (text == "AUTO_SEND_EMAIL") return FlowStepAction::kAutoSendEmail;
  if (text == "CALL") return FlowStepAction::kCall;
  if (text == "LINKEDIN_CONNECT") return FlowStepAction::kLinkedInConnect;
  if (text == "LINKEDIN_MESSAGE") return FlowStepAction::kLinkedInMessage;
  if (text == "CUSTOM") return FlowStepAction::kCustom;
  return FlowStepAction::kUnspecified;
}

absl::StatusOr<FlowStep> ReadStep(const Json& value, const std::string& where,
                                  std::vector<std::string>* warnings) {
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const FieldReader fields(value, where, warnings);
  FlowStep step;
  step.step_id = fields.OptionalId("id");
  const size_t warned = warnings->size();
  const int64_t order = fields.OptionalCount("stepOrder");
  // A number no override could name is no number: 0, said so (once),
  // rather than a wrapped or negative one a caller might send back.
  if (order >= 1 && order <= std::numeric_limits<int32_t>::max()) {
    step.number = static_cast<int32_t>(order);
  } else if (fields.Find("stepOrder") != nullptr && warnings->size() == warned) {
    fields.Warn(absl::StrCat(fields.Path("stepOrder"), " is ", order,
                             ", not a step number from 1; read as 0"));
  }
  step.action = ActionFromGong(fields.OptionalString("action"));
  step.subject = fields.OptionalString("subject");
  step.body = fields.OptionalString("body");
  step.is_reply = fields.OptionalBool("isReply");
  return step;
}

absl::StatusOr<FlowWithSteps> ReadFlow(const Json& value, size_t i,
                                       std::vector<std::string>* warnings) {
  const std::string where = absl::StrCat("flows[", i, "]");
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const FieldReader fields(value, where, warnings);
  FlowWithSteps flow;
  // Without its id a flow cannot be told apart from the others asked for.
  absl::StatusOr<std::string> id = fields.RequiredId("id");
  if (!id.ok()) return id.status();
  flow.flow_id = *std::move(id);
  flow.name = fields.OptionalString("name");
  flow.folder_id = fields.OptionalId("folderId");
  flow.visibility = internal::VisibilityFromGong(fields.OptionalString("visibility"));
  flow.create_time = fields.OptionalTime("creationDate");
  flow.exclusive = fields.OptionalBool("exclusive");
  flow.description = fields.OptionalString("description");
  // The steps are what this call is for: a list of another shape is
  // refused rather than read as a flow without steps, which a caller would
  // take for the truth. Absent (or null), there are none.
  const Json* steps = fields.Find("steps");
  if (steps == nullptr) return flow;
  if (!steps->is_array()) {
    return absl::DataLossError(absl::StrCat(fields.Path("steps"), " is not an array"));
  }
  flow.steps.reserve(steps->size());
  for (size_t j = 0; j < steps->size(); ++j) {
    absl::StatusOr<FlowStep> step =
        ReadStep((*steps)[j], absl::StrCat(where, ".steps[", j, "]"), warnings);
    if (!step.ok()) return step.status();
    flow.steps.push_back(*std::move(step));
  }
  return flow;
}

}  // namespace

std::string EncodeGetFlowStepsBody(const GetFlowStepsParams& query) {
  return internal::json::Serialize(Json{{"flowIds", query.flow_ids}});
}

GongRequest EncodeGetFlowSteps(const GetFlowStepsParams& query, absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kGetFlowStepsPath);
  gong.json_body = EncodeGetFlowStepsBody(query);
  gong.deadline = deadline;
  // A read despite the POST: asking twice changes nothing at Gong.
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = query.flow_ids.size();
  return gong;
}

absl::StatusOr<GetFlowStepsResult> DecodeGetFlowStepsResponse(absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  GetFlowStepsResult result;
  result.request_id = internal::json::ReadRequestId(parsed, &result.warnings);
  // An answer without the list cannot be told from a truncated one.
  auto flows = parsed.find("flows");
  if (flows == parsed.end() || !flows->is_array()) {
    return absl::DataLossError("flows is missing or not an array");
  }
  result.flows.reserve(flows->size());
  for (size_t i = 0; i < flows->size(); ++i) {
    absl::StatusOr<FlowWithSteps> flow = ReadFlow((*flows)[i], i, &result.warnings);
    if (!flow.ok()) return flow.status();
    result.flows.push_back(*std::move(flow));
  }
  return result;
}

std::string KeepFlowSteps(absl::string_view body,
                          const std::vector<std::string>& flow_ids) {
  if (!DecodeGetFlowStepsResponse(body).ok()) return std::string(body);
  // Read, it is an object with a flows array of objects with ids.
  absl::StatusOr<Json> parsed = internal::json::Parse(body);
  const absl::flat_hash_set<absl::string_view> mine(flow_ids.begin(), flow_ids.end());
  Json kept = Json::array();
  for (const Json& flow : parsed->at("flows")) {
    std::string id;
    internal::json::IdText(flow.at("id"), &id);
    if (mine.contains(id)) kept.push_back(flow);
  }
  Json share = Json::object();
  if (auto request_id = parsed->find("requestId"); request_id != parsed->end()) {
    share["requestId"] = *request_id;
  }
  share["flows"] = std::move(kept);
  return internal::json::Serialize(share);
}

}  // namespace gong::upstream
