#include "upstream/flow_instance.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "upstream/gong_json.h"
#include "upstream/gong_time.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
namespace {

using internal::json::Json;

struct StatusName {
  FlowInstanceStatus status;
  absl::string_view name;
};

constexpr StatusName kStatusNames[] = {
    {FlowInstanceStatus::kPending, "Pending"},
    {FlowInstanceStatus::kRunning, "Running"},
    {FlowInstanceStatus::kPaused, "Paused"},
    {FlowInstanceStatus::kFinishedNoReply, "FinishedNoReply"},
    {FlowInstanceStatus::kFinishedResponse, "FinishedResponse"},
    {FlowInstanceStatus::kFinished, "Finished"},
};

}  // namespace

absl::string_view FlowInstanceStatusName(FlowInstanceStatus status) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.status == status) return entry.name;
  }
  return "";
}

FlowInstanceStatus ParseFlowInstanceStatus(absl::string_view name) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.name == name) return entry.status;
  }
  return FlowInstanceStatus::kUnspecified;
}

absl::StatusOr<FlowInstance> DecodeFlowInstance(const Json& value,
                                                absl::string_view where,
                                                std::vector<std::string>* warnings) {
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const internal::json::FieldReader fields(value, std::string(where), warnings);
  FlowInstance instance;
  // The two ids without which the instance can be neither named to the
  // caller nor acted on (unassigned) later.
  absl::StatusOr<std::string> instance_id = fields.RequiredId("flowInstanceId");
  if (!instance_id.ok()) return instance_id.status();
  instance.flow_instance_id = *std::move(instance_id);
  absl::StatusOr<std::string> flow_id = fields.RequiredId("flowId");
  if (!flow_id.ok()) return flow_id.status();
  instance.flow_id = *std::move(flow_id);

  instance.flow_name = fields.OptionalString("flowName");
  instance.crm_prospect_id = fields.OptionalId("crmProspectId");
  instance.owner_email = fields.OptionalString("flowInstanceOwnerEmail");
  instance.owner_full_name = fields.OptionalString("flowInstanceOwnerFullName");
  instance.create_time = fields.OptionalTime("flowInstanceCreateDate");
  // An unknown status is Gong's vocabulary growing, not a fault: no warning.
  instance.status = ParseFlowInstanceStatus(fields.OptionalString("flowInstanceStatus"));
  instance.workspace_id = fields.OptionalId("workspaceId");
  instance.exclusive = fields.OptionalBool("exclusive");
  return instance;
}

absl::StatusOr<std::vector<FlowInstance>> DecodeFlowInstanceList(
    const Json& body, absl::string_view field, std::vector<std::string>* warnings) {
  auto list = body.find(std::string(field));
  if (list == body.end() || !list->is_array()) {
    return absl::DataLossError(absl::StrCat(field, " is missing or not an array"));
  }
  std::vector<FlowInstance> instances;
  instances.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    absl::StatusOr<FlowInstance> instance =
        DecodeFlowInstance((*list)[i], absl::StrCat(field, "[", i, "]"), warnings);
    if (!instance.ok()) return instance.status();
    instances.push_back(*std::move(instance));
  }
  return instances;
}

Json EncodeFlowInstance(const FlowInstance& instance) {
  Json value = {
      {"flowInstanceId", instance.flow_instance_id},
      {"flowId", instance.flow_id},
      {"flowName", instance.flow_name},
      {"crmProspectId", instance.crm_prospect_id},
      {"flowInstanceOwnerEmail", instance.owner_email},
      {"flowInstanceOwnerFullName", instance.owner_full_name},
      {"workspaceId", instance.workspace_id},
      {"exclusive", instance.exclusive},
  };
  if (instance.create_time.has_value()) {
    value["flowInstanceCreateDate"] = FormatGongTime(*instance.create_time);
  }
  if (instance.status != FlowInstanceStatus::kUnspecified) {
    value["flowInstanceStatus"] = std::string(FlowInstanceStatusName(instance.status));
  }
  return value;
}

}  // namespace gong::upstream
