#include "gong/prospect_flows_codec.h"

#include <utility>

#include "gong/gong_json.h"
#include "gong/json_fields.h"

namespace gong {
using json::Json;
using json::Serialize;

std::string EncodeProspectFlowsBody(const ProspectFlowsQuery& query) {
  const char* field = query.by == ProspectFlowsQuery::By::kCrmProspectIds
                          ? "crmProspectsIds"
                          : "flowInstanceIds";
  return Serialize(Json{{field, query.ids}});
}

GongRequest EncodeProspectFlows(const ProspectFlowsQuery& query, absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kProspectFlowsPath);
  gong.json_body = EncodeProspectFlowsBody(query);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = query.ids.size();
  return gong;
}

std::string EncodeProspectFlowsResponse(const ProspectFlowsResult& result) {
  Json instances = Json::array();
  for (const FlowInstance& instance : result.flow_instances) {
    instances.push_back(EncodeFlowInstance(instance));
  }
  return Serialize(Json{{"requestId", result.request_id},
                        {"prospectsAssigned", std::move(instances)}});
}

absl::StatusOr<ProspectFlowsResult> DecodeProspectFlowsResponse(absl::string_view body) {
  absl::StatusOr<Json> body_json = json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  ProspectFlowsResult result;
  result.request_id = json::ReadRequestId(parsed, &result.warnings);
  absl::StatusOr<std::vector<FlowInstance>> instances =
      DecodeFlowInstanceList(parsed, "prospectsAssigned", &result.warnings);
  if (!instances.ok()) return instances.status();
  result.flow_instances = *std::move(instances);
  return result;
}

ProspectFlowsOutcome DecodeProspectFlowsOutcome(GongOutcome outcome) {
  if (auto* error = std::get_if<GongError>(&outcome)) return std::move(*error);
  absl::StatusOr<ProspectFlowsResult> decoded =
      DecodeProspectFlowsResponse(std::get<GongAnswer>(outcome).body);
  if (decoded.ok()) return *std::move(decoded);
  return GongError::MalformedAnswer(200, std::string(decoded.status().message()));
}

}  // namespace gong
