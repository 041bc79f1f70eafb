#include "gong/unassign_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gong/gong_json.h"
#include "gong/json_fields.h"

namespace gong {

using json::Json;

std::string EncodeUnassignBody(const UnassignRequest& request) {
  Json body = Json::object();
  body["flowInstanceIds"] = request.flow_instance_ids;
  if (!request.unassigned_by_user_email.empty()) {
    body["unassignedByUserEmail"] = request.unassigned_by_user_email;
  }
  // Replace rather than throw on invalid UTF-8 (protobuf has already refused
  // such strings; this keeps the encoder total).
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

GongRequest EncodeUnassign(const UnassignRequest& request, absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kUnassignPath);
  gong.json_body = EncodeUnassignBody(request);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kNotIdempotent;
  gong.items = request.flow_instance_ids.size();
  return gong;
}

std::string EncodeUnassignResponse(const UnassignResult& result) {
  Json body = {{"requestId", result.request_id},
               {"unassignedFlowInstanceIds", result.unassigned_flow_instance_ids}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<UnassignResult> DecodeUnassignResponse(absl::string_view body) {
  absl::StatusOr<Json> body_json = json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  UnassignResult result;
  result.request_id = json::ReadRequestId(parsed, &result.warnings);
  // Without this list there is no telling which prospects left their flows.
  auto ids = parsed.find("unassignedFlowInstanceIds");
  if (ids == parsed.end() || !ids->is_array()) {
    return absl::DataLossError("unassignedFlowInstanceIds is missing or not an array");
  }
  result.unassigned_flow_instance_ids.reserve(ids->size());
  for (size_t i = 0; i < ids->size(); ++i) {
    std::string id;
    if (!json::IdText((*ids)[i], &id)) {
      return absl::DataLossError(absl::StrCat("unassignedFlowInstanceIds[", i,
                                              "] is neither a string nor an integer"));
    }
    result.unassigned_flow_instance_ids.push_back(std::move(id));
  }
  return result;
}

UnassignOutcome DecodeUnassignOutcome(GongOutcome outcome) {
  if (auto* error = std::get_if<GongError>(&outcome)) return std::move(*error);
  absl::StatusOr<UnassignResult> decoded =
      DecodeUnassignResponse(std::get<GongAnswer>(outcome).body);
  if (decoded.ok()) return *std::move(decoded);
  return GongError::MalformedAnswer(200, std::string(decoded.status().message()));
}

}  // namespace gong
