#include "upstream/unassign_by_crm_id_codec.h"

#include <utility>

#include "absl/status/status.h"
#include "upstream/gong_json.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::upstream {

using internal::json::Json;

absl::StatusOr<GongRequest> EncodeUnassignByCrmId(const UnassignByCrmIdParams& request,
                                                  absl::Time deadline) {
  if (request.crm_prospect_id.empty()) {
    return absl::InvalidArgumentError("crm_prospect_id is empty");
  }
  if (request.flow_id.has_value() && request.all_flows) {
    return absl::InvalidArgumentError("both a flow_id and all_flows are given");
  }
  if (!request.flow_id.has_value() && !request.all_flows) {
    return absl::InvalidArgumentError("neither a flow_id nor all_flows is given");
  }
  // An empty flowId is refused too: there is no telling whether Gong would
  // read it as no flowId, which means every flow.
  if (request.flow_id.has_value() && request.flow_id->empty()) {
    return absl::InvalidArgumentError("flow_id is empty");
  }

  Json body = Json::object();
  body["crmProspectId"] = request.crm_prospect_id;
  if (request.flow_id.has_value()) body["flowId"] = *request.flow_id;
  if (!request.unassigned_by_user_email.empty()) {
    body["unassignedByUserEmail"] = request.unassigned_by_user_email;
  }

  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kUnassignByCrmIdPath);
  // Replace rather than throw on invalid UTF-8 (protobuf has already refused
  // such strings; this keeps the encoder from throwing).
  gong.json_body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  gong.deadline = deadline;
  // Sent twice, the second could take the prospect out of a flow it has
  // since been put back in.
  gong.idempotency = Idempotency::kNotIdempotent;
  gong.items = 1;  // one prospect
  return gong;
}

// Gong answers this endpoint in the same shape as unassign-by-instance-id,
// so one reader keeps the two in agreement.
absl::StatusOr<UnassignByCrmIdResult> DecodeUnassignByCrmIdResponse(
    absl::string_view body) {
  absl::StatusOr<UnassignByInstanceIdsResult> decoded =
      DecodeUnassignByInstanceIdsResponse(body);
  if (!decoded.ok()) return decoded.status();
  UnassignByCrmIdResult result;
  result.request_id = std::move(decoded->request_id);
  result.unassigned_flow_instance_ids = std::move(decoded->unassigned_flow_instance_ids);
  result.warnings = std::move(decoded->warnings);
  return result;
}

}  // namespace gong::upstream
