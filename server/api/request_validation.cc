#include "api/request_validation.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/unicode_checks.h"

namespace gong::api {

using internal::FindHiddenCharacter;

namespace {

// Gong's ids are numbers written as strings: anything but printable ASCII
// without spaces is a mistake (or an attempt to smuggle in what a reader
// cannot see), and is named with its byte.
std::string CheckId(absl::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) {
    return absl::StrCat("must be at most ", kMaxIdBytes, " bytes, not ", id.size());
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c <= 0x20 || c >= 0x7f) {
      return absl::StrFormat(
          "must be printable ASCII without spaces (Gong's ids are numeric strings); "
          "byte %d is 0x%02X",
          i, c);
    }
  }
  return "";
}

std::string CheckEmail(absl::string_view email) {
  if (email.size() > kMaxEmailBytes) {
    return absl::StrCat("must be at most ", kMaxEmailBytes, " bytes");
  }
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return "must be an email address of the form local@domain";
  }
  if (const auto hidden = FindHiddenCharacter(email); hidden.has_value()) {
    return absl::StrCat(
        "must not hold whitespace, control or format characters, nor "
        "invalid UTF-8: ",
        hidden->what, " at character ", hidden->position);
  }
  return "";
}

// Records a violation of `field` when `problem` is not empty.
void Report(ViolationList* violations, std::string field, std::string problem) {
  if (!problem.empty()) violations->Add(std::move(field), std::move(problem));
}

// A required id (`field` names it).
void CheckRequiredId(absl::string_view id, absl::string_view field,
                     ViolationList* violations) {
  Report(violations, std::string(field), id.empty() ? "is required" : CheckId(id));
}

// An id that may be left empty.
void CheckOptionalId(absl::string_view id, absl::string_view field,
                     ViolationList* violations) {
  if (!id.empty()) Report(violations, std::string(field), CheckId(id));
}

// A decimal id that may be left empty: digits only, with a value that fits
// Gong's int64 (a filter Gong would refuse, or read as another number, is
// refused here instead).
void CheckOptionalDecimalId(absl::string_view id, absl::string_view field,
                            ViolationList* violations) {
  if (id.empty()) return;
  constexpr absl::string_view kMaxInt64 = "9223372036854775807";
  const bool digits =
      std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    Report(violations, std::string(field),
           "must be a decimal id (digits only, as Gong writes its ids)");
  } else if (id.size() > kMaxInt64.size() ||
             (id.size() == kMaxInt64.size() && id > kMaxInt64)) {
    Report(violations, std::string(field),
           absl::StrCat("must be at most ", kMaxInt64, " (Gong's ids are 64-bit)"));
  }
}

void CheckRequiredEmail(absl::string_view email, absl::string_view field,
                        ViolationList* violations) {
  Report(violations, std::string(field),
         email.empty() ? "is required" : CheckEmail(email));
}

void CheckOptionalEmail(absl::string_view email, absl::string_view field,
                        ViolationList* violations) {
  if (!email.empty()) Report(violations, std::string(field), CheckEmail(email));
}

// Free text sent on to Gong as it is: only its length is ours to bound.
void CheckTextBytes(absl::string_view text, size_t max, absl::string_view field,
                    ViolationList* violations) {
  if (text.size() > max) {
    violations->Add(std::string(field),
                    absl::StrCat("must be at most ", max, " bytes, not ", text.size()));
  }
}

// Whether the list `field` has at most `max` entries; if not, that is its
// one violation, and its entries are not worth reading.
bool CheckListLength(int size, size_t max, absl::string_view field,
                     absl::string_view what, ViolationList* violations) {
  if (static_cast<size_t>(size) <= max) return true;
  violations->Add(std::string(field),
                  absl::StrCat("at most ", max, " ", what, " per call, not ", size));
  return false;
}

// A list of 1..`max` distinct ids named `field`: each bad or repeated id is
// named by its index. Returns the ids.
std::vector<std::string> CheckDistinctIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids, absl::string_view field,
    absl::string_view what, size_t max, ViolationList* violations) {
  if (ids.empty()) {
    violations->Add(std::string(field), absl::StrCat("must list at least one ", what));
    return {};
  }
  if (!CheckListLength(ids.size(), max, field, "ids", violations)) return {};
  absl::flat_hash_map<absl::string_view, int> first_index;
  for (int i = 0; i < ids.size(); ++i) {
    std::string problem = CheckId(ids[i]);
    if (problem.empty()) {
      auto [it, inserted] = first_index.try_emplace(ids[i], i);
      if (!inserted) problem = absl::StrCat("repeats ", field, "[", it->second, "]");
    }
    Report(violations, absl::StrCat(field, "[", i, "]"), std::move(problem));
  }
  return {ids.begin(), ids.end()};
}

void CheckOverrides(const flows::v1::AssignOverrides& overrides,
                    upstream::AssignProspectsOverrides* out, ViolationList* violations) {
  out->cool_off_override = overrides.cool_off_override();
  const bool steps_fit = CheckListLength(overrides.steps_size(), kMaxStepOverrides,
                                         "overrides.steps", "step overrides", violations);
  const bool variables_fit =
      CheckListLength(overrides.flow_instance_variables_size(), kMaxVariableOverrides,
                      "overrides.flow_instance_variables", "variables", violations);
  if (!steps_fit || !variables_fit) return;

  size_t text_bytes = 0;
  absl::flat_hash_map<int, int> step_index;
  for (int i = 0; i < overrides.steps_size(); ++i) {
    const auto& step = overrides.steps(i);
    const std::string path = absl::StrCat("overrides.steps[", i, "]");
    if (step.number() <= 0) {
      Report(violations, absl::StrCat(path, ".number"),
             absl::StrCat("must be a step number from 1 (steps count from 1), not ",
                          step.number()));
    } else if (auto [it, inserted] = step_index.try_emplace(step.number(), i);
               !inserted) {
      Report(violations, absl::StrCat(path, ".number"),
             absl::StrCat("repeats overrides.steps[", it->second, "].number"));
    }
    CheckTextBytes(step.subject(), kMaxStepSubjectBytes, absl::StrCat(path, ".subject"),
                   violations);
    CheckTextBytes(step.body(), kMaxStepBodyBytes, absl::StrCat(path, ".body"),
                   violations);
    text_bytes += step.subject().size() + step.body().size();
    out->steps.push_back({step.number(), step.subject(), step.body()});
  }
  absl::flat_hash_map<absl::string_view, int> name_index;
  for (int i = 0; i < overrides.flow_instance_variables_size(); ++i) {
    const auto& variable = overrides.flow_instance_variables(i);
    const std::string path = absl::StrCat("overrides.flow_instance_variables[", i, "]");
    if (variable.name().empty()) {
      Report(violations, absl::StrCat(path, ".name"), "is required");
    } else if (auto [it, inserted] = name_index.try_emplace(variable.name(), i);
               !inserted) {
      Report(violations, absl::StrCat(path, ".name"),
             absl::StrCat("repeats overrides.flow_instance_variables[", it->second,
                          "].name"));
    }
    CheckTextBytes(variable.name(), kMaxVariableNameBytes, absl::StrCat(path, ".name"),
                   violations);
    CheckTextBytes(variable.value(), kMaxVariableValueBytes, absl::StrCat(path, ".value"),
                   violations);
    text_bytes += variable.name().size() + variable.value().size();
    out->flow_instance_variables.push_back({variable.name(), variable.value()});
  }
  if (text_bytes > kMaxOverridesTextBytes) {
    violations->Add(
        "overrides",
        absl::StrCat("the steps' subjects and bodies and the variables' "
                     "names and values must come to at most ",
                     kMaxOverridesTextBytes, " bytes together, not ", text_bytes));
  }
}

}  // namespace

ValidatedRequest ValidateUnassignByInstanceIds(
    const flows::v1::UnassignByInstanceIdsRequest& request) {
  ValidatedRequest out;
  const auto& ids = request.flow_instance_ids();
  if (ids.empty()) {
    out.violations.Add("flow_instance_ids", "must list at least one flow instance id");
  } else if (CheckListLength(ids.size(), kMaxIdEntriesPerUnassign, "flow_instance_ids",
                             "ids (repeats included)", &out.violations)) {
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < ids.size(); ++i) {
      std::string problem = CheckId(ids[i]);
      if (!problem.empty()) {
        out.violations.Add(absl::StrCat("flow_instance_ids[", i, "]"),
                           std::move(problem));
      } else if (seen.insert(ids[i]).second) {
        out.request.flow_instance_ids.push_back(ids[i]);
      }
    }
    if (seen.size() > upstream::kMaxIdsPerUnassign) {
      out.violations.Add(
          "flow_instance_ids",
          absl::StrCat("at most ", upstream::kMaxIdsPerUnassign,
                       " distinct ids per call (Gong's limit), not ", seen.size()));
    }
  }
  CheckOptionalEmail(request.unassigned_by_user_email(), "unassigned_by_user_email",
                     &out.violations);
  out.request.unassigned_by_user_email = request.unassigned_by_user_email();
  return out;
}

Validated<upstream::GetProspectFlowsParams> ValidateGetProspectFlows(
    const flows::v1::GetProspectFlowsRequest& request) {
  Validated<upstream::GetProspectFlowsParams> out;
  const bool by_crm = !request.crm_prospect_ids().empty();
  const bool by_instance = !request.flow_instance_ids().empty();
  if (by_crm == by_instance) {
    out.violations.Add(
        by_crm ? "flow_instance_ids" : "crm_prospect_ids",
        by_crm ? "must be empty when crm_prospect_ids is set: look up by one kind of "
                 "id a call"
               : "give crm_prospect_ids or flow_instance_ids (one of the two)");
  }
  if (by_crm) {
    out.request.by = upstream::GetProspectFlowsParams::By::kCrmProspectIds;
    out.request.ids =
        CheckDistinctIds(request.crm_prospect_ids(), "crm_prospect_ids",
                         "CRM prospect id", upstream::kMaxIdsPerLookup, &out.violations);
  }
  if (by_instance) {
    std::vector<std::string> ids =
        CheckDistinctIds(request.flow_instance_ids(), "flow_instance_ids",
                         "flow instance id", upstream::kMaxIdsPerLookup, &out.violations);
    if (!by_crm) {
      out.request.by = upstream::GetProspectFlowsParams::By::kFlowInstanceIds;
      out.request.ids = std::move(ids);
    }
  }
  return out;
}

Validated<upstream::ListFlowsParams> ValidateListFlows(
    const flows::v1::ListFlowsRequest& request) {
  Validated<upstream::ListFlowsParams> out;
  CheckRequiredEmail(request.flow_owner_email(), "flow_owner_email", &out.violations);
  CheckOptionalId(request.workspace_id(), "workspace_id", &out.violations);
  CheckOptionalId(request.folder_id(), "folder_id", &out.violations);
  out.request.flow_owner_email = request.flow_owner_email();
  out.request.workspace_id = request.workspace_id();
  out.request.folder_id = request.folder_id();
  out.request.most_recently_assigned = request.most_recently_assigned();
  return out;
}

Validated<upstream::AssignProspectsParams> ValidateAssignProspects(
    const flows::v1::AssignProspectsRequest& request) {
  Validated<upstream::AssignProspectsParams> out;
  out.request.crm_prospect_ids =
      CheckDistinctIds(request.crm_prospect_ids(), "crm_prospect_ids", "CRM prospect id",
                       upstream::kMaxProspectsPerAssign, &out.violations);
  CheckRequiredId(request.flow_id(), "flow_id", &out.violations);
  CheckRequiredEmail(request.flow_instance_owner_email(), "flow_instance_owner_email",
                     &out.violations);
  out.request.flow_id = request.flow_id();
  out.request.flow_instance_owner_email = request.flow_instance_owner_email();
  if (request.has_overrides()) {
    CheckOverrides(request.overrides(), &out.request.overrides.emplace(),
                   &out.violations);
  }
  CheckTextBytes(request.flow_instance_description(), kMaxDescriptionBytes,
                 "flow_instance_description", &out.violations);
  out.request.flow_instance_description = request.flow_instance_description();
  return out;
}

Validated<upstream::UnassignByCrmIdParams> ValidateUnassignByCrmId(
    const flows::v1::UnassignByCrmIdRequest& request) {
  Validated<upstream::UnassignByCrmIdParams> out;
  CheckRequiredId(request.crm_prospect_id(), "crm_prospect_id", &out.violations);
  const bool one_flow = !request.flow_id().empty();
  if (one_flow == request.all_flows()) {
    if (one_flow) {
      out.violations.Add(
          "all_flows", "must be false when flow_id is set: give one flow, or all flows");
    } else {
      out.violations.Add("flow_id",
                         "give the flow to leave, or set all_flows to leave every flow");
    }
  }
  CheckOptionalId(request.flow_id(), "flow_id", &out.violations);
  CheckOptionalEmail(request.unassigned_by_user_email(), "unassigned_by_user_email",
                     &out.violations);
  out.request.crm_prospect_id = request.crm_prospect_id();
  if (one_flow) out.request.flow_id = request.flow_id();
  out.request.all_flows = request.all_flows();
  out.request.unassigned_by_user_email = request.unassigned_by_user_email();
  return out;
}

Validated<upstream::ListFlowFoldersParams> ValidateListFlowFolders(
    const flows::v1::ListFlowFoldersRequest& request) {
  Validated<upstream::ListFlowFoldersParams> out;
  CheckRequiredEmail(request.owner_email(), "owner_email", &out.violations);
  CheckOptionalDecimalId(request.workspace_id(), "workspace_id", &out.violations);
  CheckOptionalDecimalId(request.parent_folder_id(), "parent_folder_id", &out.violations);
  out.request.owner_email = request.owner_email();
  out.request.workspace_id = request.workspace_id();
  out.request.parent_folder_id = request.parent_folder_id();
  return out;
}

Validated<upstream::GetFlowStepsParams> ValidateGetFlowSteps(
    const flows::v1::GetFlowStepsRequest& request) {
  Validated<upstream::GetFlowStepsParams> out;
  out.request.flow_ids = CheckDistinctIds(request.flow_ids(), "flow_ids", "flow id",
                                          upstream::kMaxFlowIdsPerSteps, &out.violations);
  return out;
}

}  // namespace gong::api
