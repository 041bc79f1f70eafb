#include "upstream/assign_prospects_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
namespace {

using internal::json::Json;

struct ErrorCodeName {
  AssignmentErrorCode code;
  absl::string_view name;
};

constexpr ErrorCodeName kErrorCodeNames[] = {
    {AssignmentErrorCode::kInvalidArgument, "InvalidArgument"},
    {AssignmentErrorCode::kInvalidState, "InvalidState"},
    {AssignmentErrorCode::kUnexpectedError, "UnexpectedError"},
};

Json EncodeOverrides(const AssignProspectsOverrides& overrides) {
  Json value = Json::object();
  if (!overrides.steps.empty()) {
    Json steps = Json::array();
    for (const AssignProspectsOverrides::Step& step : overrides.steps) {
      // An empty subject or body is one not overridden: sent as "", it
      // would blank the step's email instead.
      Json entry = {{"number", step.number}};
      if (!step.subject.empty()) entry["subject"] = step.subject;
      if (!step.body.empty()) entry["body"] = step.body;
      steps.push_back(std::move(entry));
    }
    value["steps"] = std::move(steps);
  }
  if (!overrides.flow_instance_variables.empty()) {
    Json variables = Json::array();
    for (const AssignProspectsOverrides::Variable& variable :
         overrides.flow_instance_variables) {
      variables.push_back(Json{{"name", variable.name}, {"value", variable.value}});
    }
    value["flowInstanceVariables"] = std::move(variables);
  }
  if (overrides.cool_off_override) value["coolOffOverride"] = true;
  return value;
}

absl::StatusOr<AssignmentFailure> DecodeFailure(const Json& value, std::string where,
                                                std::vector<std::string>* warnings) {
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const internal::json::FieldReader fields(value, std::move(where), warnings);
  AssignmentFailure failure;
  absl::StatusOr<std::string> prospect_id = fields.RequiredId("crmProspectId");
  if (!prospect_id.ok()) return prospect_id.status();
  failure.crm_prospect_id = *std::move(prospect_id);
  failure.flow_id = fields.OptionalId("flowId");
  // An unknown code is Gong's vocabulary growing, not a fault: no warning.
  failure.error_code = ParseAssignmentErrorCode(fields.OptionalString("errorCode"));
  failure.error_message = fields.OptionalString("errorMessage");
  return failure;
}

absl::StatusOr<std::vector<AssignmentFailure>> DecodeFailures(
    const Json& body, std::vector<std::string>* warnings) {
  constexpr absl::string_view kField = "prospectsNotAssigned";
  std::vector<AssignmentFailure> failures;
  auto list = body.find(std::string(kField));
  if (list == body.end() || list->is_null()) return failures;
  if (!list->is_array()) {
    return absl::DataLossError(absl::StrCat(kField, " is not an array"));
  }
  failures.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    absl::StatusOr<AssignmentFailure> failure =
        DecodeFailure((*list)[i], absl::StrCat(kField, "[", i, "]"), warnings);
    if (!failure.ok()) return failure.status();
    failures.push_back(*std::move(failure));
  }
  return failures;
}

}  // namespace

absl::string_view AssignmentErrorCodeName(AssignmentErrorCode code) {
  for (const ErrorCodeName& entry : kErrorCodeNames) {
    if (entry.code == code) return entry.name;
  }
  return "";
}

AssignmentErrorCode ParseAssignmentErrorCode(absl::string_view name) {
  for (const ErrorCodeName& entry : kErrorCodeNames) {
    if (entry.name == name) return entry.code;
  }
  return AssignmentErrorCode::kUnspecified;
}

std::string EncodeAssignProspectsBody(const AssignProspectsParams& request) {
  Json body = {
      {"crmProspectsIds", request.crm_prospect_ids},
      {"flowId", request.flow_id},
      {"flowInstanceOwnerEmail", request.flow_instance_owner_email},
  };
  if (request.overrides.has_value())
    body["overrides"] = EncodeOverrides(*request.overrides);
  if (!request.flow_instance_description.empty()) {
    body["flowInstanceDescription"] = request.flow_instance_description;
  }
  return internal::json::Serialize(body);
}

GongRequest EncodeAssignProspects(const AssignProspectsParams& request,
                                  absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kAssignProspectsPath);
  gong.json_body = EncodeAssignProspectsBody(request);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kNotIdempotent;
  gong.items = request.crm_prospect_ids.size();
  return gong;
}

absl::StatusOr<AssignProspectsResult> DecodeAssignProspectsResponse(
    absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  AssignProspectsResult result;
  result.request_id = internal::json::ReadRequestId(parsed, &result.warnings);
  absl::StatusOr<std::vector<FlowInstance>> assigned =
      DecodeFlowInstanceList(parsed, "prospectsAssigned", &result.warnings);
  if (!assigned.ok()) return assigned.status();
  result.assigned = *std::move(assigned);
  absl::StatusOr<std::vector<AssignmentFailure>> not_assigned =
      DecodeFailures(parsed, &result.warnings);
  if (!not_assigned.ok()) return not_assigned.status();
  result.not_assigned = *std::move(not_assigned);
  return result;
}

}  // namespace gong::upstream
