// POST /v2/flows/prospects/assign: body `{crmProspectsIds[] (1 to 100),
// flowId, flowInstanceOwnerEmail, overrides?, flowInstanceDescription?}`;
// creates a Running instance per prospect that may join the flow and
// answers `{requestId, prospectsAssigned[], prospectsNotAssigned[]}`. Why a
// prospect may not join is the model's business (sandbox_flows_model.h);
// this file checks the body's shape, which Gong refuses whole with a 400.
// The overrides and the description (beta in Gong) are checked but not
// kept: nothing the sandbox answers shows them. A step override of a number
// the flow does not have refuses every prospect with InvalidArgument (not
// the whole request with a 400), as a flow Gong does not know does.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

// Gong's documented per-request maximum for assign.
constexpr size_t kMaxAssignIds = 100;

absl::string_view CodeName(NotAssignedCode code) {
  switch (code) {
    case NotAssignedCode::kInvalidArgument:
      return "InvalidArgument";
    case NotAssignedCode::kInvalidState:
      return "InvalidState";
    case NotAssignedCode::kUnexpectedError:
      return "UnexpectedError";
  }
  return "UnexpectedError";
}

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, " ", what));
}

// An optional string member of `object`; `where` names the object.
absl::Status CheckOptionalString(const json& object, const std::string& field,
                                 absl::string_view where) {
  if (IsAbsent(object, field) || object.at(field).is_string()) return absl::OkStatus();
  return Invalid(absl::StrCat(where, ".", field), "must be a string");
}

absl::Status CheckSteps(const json& steps) {
  if (!steps.is_array()) return Invalid("overrides.steps", "must be an array");
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string where = absl::StrCat("overrides.steps[", i, "]");
    const json& step = steps[i];
    if (!step.is_object()) return Invalid(where, "must be an object");
    // Steps are numbered from 1, as Gong's flow editor shows them.
    if (IsAbsent(step, "number") || !step.at("number").is_number_integer() ||
        step.at("number").get<int64_t>() < 1) {
      return Invalid(absl::StrCat(where, ".number"), "must be an integer of at least 1");
    }
    for (const char* field : {"subject", "body"}) {
      if (absl::Status status = CheckOptionalString(step, field, where); !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVariables(const json& variables) {
  if (!variables.is_array()) {
    return Invalid("overrides.flowInstanceVariables", "must be an array");
  }
  for (size_t i = 0; i < variables.size(); ++i) {
    const std::string where = absl::StrCat("overrides.flowInstanceVariables[", i, "]");
    const json& variable = variables[i];
    if (!variable.is_object()) return Invalid(where, "must be an object");
    if (IsAbsent(variable, "name") || !variable.at("name").is_string() ||
        variable.at("name").get<std::string>().empty()) {
      return Invalid(absl::StrCat(where, ".name"), "must be a non-empty string");
    }
    if (absl::Status status = CheckOptionalString(variable, "value", where);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOverrides(const json& request) {
  if (IsAbsent(request, "overrides")) return absl::OkStatus();
  const json& overrides = request.at("overrides");
  if (!overrides.is_object()) return Invalid("overrides", "must be an object");
  if (!IsAbsent(overrides, "steps")) {
    if (absl::Status status = CheckSteps(overrides.at("steps")); !status.ok()) {
      return status;
    }
  }
  if (!IsAbsent(overrides, "flowInstanceVariables")) {
    if (absl::Status status = CheckVariables(overrides.at("flowInstanceVariables"));
        !status.ok()) {
      return status;
    }
  }
  if (!IsAbsent(overrides, "coolOffOverride") &&
      !overrides.at("coolOffOverride").is_boolean()) {
    return Invalid("overrides.coolOffOverride", "must be true or false");
  }
  return absl::OkStatus();
}

absl::StatusOr<AssignCommand> ParseAssign(absl::string_view body) {
  absl::StatusOr<json> request = ParseObject(body);
  if (!request.ok()) return request.status();
  AssignCommand command;
  if (IsAbsent(*request, "crmProspectsIds")) {
    return absl::InvalidArgumentError("crmProspectsIds is required");
  }
  // Repeats are not refused: the model assigns the first and refuses the
  // rest as already in the flow, which is what a client would see of Gong.
  absl::StatusOr<std::vector<std::string>> crm_ids =
      IdList(*request, "crmProspectsIds", kMaxAssignIds, /*unique=*/false);
  if (!crm_ids.ok()) return crm_ids.status();
  command.crm_prospect_ids = *std::move(crm_ids);

  absl::StatusOr<std::optional<std::string>> flow_id = OptionalId(*request, "flowId");
  if (!flow_id.ok()) return flow_id.status();
  if (!flow_id->has_value()) return absl::InvalidArgumentError("flowId is required");
  command.flow_id = **flow_id;

  absl::StatusOr<std::optional<std::string>> owner =
      OptionalString(*request, "flowInstanceOwnerEmail");
  if (!owner.ok()) return owner.status();
  if (!owner->has_value() || (*owner)->empty()) {
    return absl::InvalidArgumentError("flowInstanceOwnerEmail is required");
  }
  command.owner_email = **owner;

  if (absl::Status status = CheckOverrides(*request); !status.ok()) return status;
  // Checked above: each step names its number, an integer from 1.
  if (!IsAbsent(*request, "overrides") && !IsAbsent(request->at("overrides"), "steps")) {
    for (const json& step : request->at("overrides").at("steps")) {
      command.step_numbers.push_back(step.at("number").get<int64_t>());
    }
  }
  absl::StatusOr<std::optional<std::string>> description =
      OptionalString(*request, "flowInstanceDescription");
  if (!description.ok()) return description.status();
  return command;
}

}  // namespace

Reply AssignProspects(const Call& call, FlowsModel& model) {
  absl::StatusOr<AssignCommand> command = ParseAssign(call.body);
  if (!command.ok()) return ErrorReply(call.request_id, 400, command.status().message());
  command->failing_prospect_id = call.behavior.unexpected_error_prospect_id;
  if (call.items_to_do > 0 && call.items_to_do < command->crm_prospect_ids.size()) {
    command->crm_prospect_ids.resize(call.items_to_do);
  }

  const AssignOutcome outcome = model.Assign(*command, call.now);
  json assigned = json::array();
  for (const InstanceView& view : outcome.assigned)
    assigned.push_back(InstanceJson(view));
  json not_assigned = json::array();
  for (const NotAssigned& refused : outcome.not_assigned) {
    not_assigned.push_back({{"flowId", command->flow_id},
                            {"crmProspectId", refused.crm_prospect_id},
                            {"errorCode", std::string(CodeName(refused.code))},
                            {"errorMessage", refused.message}});
  }
  return {200, Dump(json{{"requestId", call.request_id},
                         {"prospectsAssigned", assigned},
                         {"prospectsNotAssigned", not_assigned}})};
}

}  // namespace gong::sandbox::internal
