#include "upstream/get_prospect_flows_codec.h"

#include <utility>

#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
using internal::json::Json;
using internal::json::Serialize;

std::string EncodeGetProspectFlowsBody(const GetProspectFlowsParams& query) {
  const char* field = query.by == GetProspectFlowsParams::By::kCrmProspectIds
                          ? "crmProspectsIds"
                          : "flowInstanceIds";
  return Serialize(Json{{field, query.ids}});
}

GongRequest EncodeGetProspectFlows(const GetProspectFlowsParams& query,
                                   absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kGetProspectFlowsPath);
  gong.json_body = EncodeGetProspectFlowsBody(query);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = query.ids.size();
  return gong;
}

std::string EncodeGetProspectFlowsResponse(const GetProspectFlowsResult& result) {
  Json instances = Json::array();
  for (const FlowInstance& instance : result.flow_instances) {
    instances.push_back(EncodeFlowInstance(instance));
  }
  return Serialize(Json{{"requestId", result.request_id},
                        {"prospectsAssigned", std::move(instances)}});
}

absl::StatusOr<GetProspectFlowsResult> DecodeGetProspectFlowsResponse(
    absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  GetProspectFlowsResult result;
  result.request_id = internal::json::ReadRequestId(parsed, &result.warnings);
  absl::StatusOr<std::vector<FlowInstance>> instances =
      DecodeFlowInstanceList(parsed, "prospectsAssigned", &result.warnings);
  if (!instances.ok()) return instances.status();
  result.flow_instances = *std::move(instances);
  return result;
}

}  // namespace gong::upstream
