// Gong's JSON as the sandbox's endpoints share it: see sandbox_json.h.
#include "sandbox/sandbox_json.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gong::sandbox::internal {

using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<json> ParseObject(absl::string_view body) {
  json request = json::parse(body.begin(), body.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    return absl::InvalidArgumentError("Request body is not valid JSON");
  }
  if (!request.is_object()) {
    return absl::InvalidArgumentError("Request body must be a JSON object");
  }
  return request;
}

bool IsAbsent(const json& request, const std::string& field) {
  auto it = request.find(field);
  return it == request.end() || it->is_null();
}

absl::StatusOr<std::string> IdText(const json& item, absl::string_view where) {
  if (item.is_string()) {
    std::string id = item.get<std::string>();
    if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
    return id;
  }
  if (item.is_number_unsigned()) return std::to_string(item.get<uint64_t>());
  if (item.is_number_integer()) return std::to_string(item.get<int64_t>());
  return absl::InvalidArgumentError(
      absl::StrCat(where, " must be a string, got ", item.type_name()));
}

absl::StatusOr<std::vector<std::string>> IdList(const json& request,
                                                const std::string& field, size_t max_ids,
                                                bool unique) {
  const json& list = request.at(field);
  if (!list.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be an array of strings"));
  }
  if (list.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must not be empty"));
  }
  if (list.size() > max_ids) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " holds ", list.size(), " ids; at most ", max_ids, " are allowed"));
  }
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    absl::StatusOr<std::string> id = IdText(list[i], absl::StrCat(field, "[", i, "]"));
    if (!id.ok()) return id.status();
    if (unique && !seen.insert(*id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " must be unique; ", *id, " appears more than once"));
    }
    ids.push_back(*std::move(id));
  }
  return ids;
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json& request,
                                                          const std::string& field) {
  if (IsAbsent(request, field)) return std::nullopt;
  const json& value = request.at(field);
  if (!value.is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be a string"));
  }
  return value.get<std::string>();
}

absl::StatusOr<std::optional<std::string>> OptionalId(const json& request,
                                                      const std::string& field) {
  if (IsAbsent(request, field)) return std::nullopt;
  absl::StatusOr<std::string> id = IdText(request.at(field), field);
  if (!id.ok()) return id.status();
  return *std::move(id);
}

std::string GongTime(absl::Time time) {
  const absl::Time whole_seconds = absl::FromUnixSeconds(absl::ToUnixSeconds(time));
  const char* format =
      time == whole_seconds ? "%Y-%m-%dT%H:%M:%S%Ez" : "%Y-%m-%dT%H:%M:%E3S%Ez";
  return absl::FormatTime(format, time, CompanyTimeZone());
}

absl::string_view StatusName(FlowInstanceStatus status) {
  switch (status) {
    case FlowInstanceStatus::kPending:
      return "Pending";
    case FlowInstanceStatus::kRunning:
      return "Running";
    case FlowInstanceStatus::kPaused:
      return "Paused";
    case FlowInstanceStatus::kFinishedNoReply:
      return "FinishedNoReply";
    case FlowInstanceStatus::kFinishedResponse:
      return "FinishedResponse";
    case FlowInstanceStatus::kFinished:
      return "Finished";
  }
  return "Finished";
}

absl::string_view VisibilityName(FlowVisibility visibility) {
  switch (visibility) {
    case FlowVisibility::kCompany:
      return "Company";
    case FlowVisibility::kPersonal:
      return "Personal";
    case FlowVisibility::kShared:
      return "Shared";
  }
  return "Company";
}

json InstanceJson(const InstanceView& view) {
  const SandboxInstance& instance = view.instance;
  return json{
      {"flowId", instance.flow_id},
      {"flowName", view.flow_name},
      {"crmProspectId", instance.crm_prospect_id},
      {"flowInstanceId", instance.id},
      {"flowInstanceOwnerEmail", instance.owner_email},
      {"flowInstanceOwnerFullName", instance.owner_full_name},
      {"flowInstanceCreateDate", GongTime(instance.create_date)},
      {"flowInstanceStatus", std::string(StatusName(instance.status))},
      {"workspaceId", view.workspace_id},
      {"exclusive", view.exclusive},
  };
}

}  // namespace gong::sandbox::internal
