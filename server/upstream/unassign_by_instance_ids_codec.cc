#include "upstream/unassign_by_instance_ids_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {

using internal::json::Json;

std::string EncodeUnassignByInstanceIdsBody(const UnassignByInstanceIdsParams& request) {
  Json body = Json::object();
  body["flowInstanceIds"] = request.flow_instance_ids;
  if (!request.unassigned_by_user_email.empty()) {
    body["unassignedByUserEmail"] = request.unassigned_by_user_email;
  }
  // Replace rather than throw on invalid UTF-8 (protobuf has already refused
  // such strings; this keeps the encoder total).
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

GongRequest EncodeUnassignByInstanceIds(const UnassignByInstanceIdsParams& request,
                                        absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kUnassignByInstanceIdsPath);
  gong.json_body = EncodeUnassignByInstanceIdsBody(request);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kNotIdempotent;
  gong.items = request.flow_instance_ids.size();
  return gong;
}

std::string EncodeUnassignByInstanceIdsResponse(
    const UnassignByInstanceIdsResult& result) {
  Json body = {{"requestId", result.request_id},
               {"unassignedFlowInstanceIds", result.unassigned_flow_instance_ids}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<UnassignByInstanceIdsResult> DecodeUnassignByInstanceIdsResponse(
    absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  UnassignByInstanceIdsResult result;
  result.request_id = internal::json::ReadRequestId(parsed, &result.warnings);
  // Without this list there is no telling which prospects left their flows.
  auto ids = parsed.find("unassignedFlowInstanceIds");
  if (ids == parsed.end() || !ids->is_array()) {
    return absl::DataLossError("unassignedFlowInstanceIds is missing or not an array");
  }
  result.unassigned_flow_instance_ids.reserve(ids->size());
  for (size_t i = 0; i < ids->size(); ++i) {
    std::string id;
    if (!internal::json::IdText((*ids)[i], &id)) {
      return absl::DataLossError(absl::StrCat("unassignedFlowInstanceIds[", i,
                                              "] is neither a string nor an integer"));
    }
    result.unassigned_flow_instance_ids.push_back(std::move(id));
  }
  return result;
}

}  // namespace gong::upstream
