// The codec of Gong's unassign-flows-by-crm-id endpoint: its plain C++
// request and result, the GongRequest that carries one, and the reading of
// Gong's 200 body. No gRPC types here.
//
// Without a flowId Gong takes the prospect out of EVERY flow it is in. That
// must never happen because a flow id was forgotten or left empty, so the
// request says "all flows" in a field of its own and the encoder refuses any
// request where the flow id and that field do not agree.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::upstream {

inline constexpr absl::string_view kUnassignByCrmIdPath =
    "/v2/flows/prospects/unassign-flows-by-crm-id";

// Exactly one of `flow_id` (non-empty) and `all_flows` is set.
struct UnassignByCrmIdParams {
  // The prospect's id in the CRM; required.
  std::string crm_prospect_id;
  // The one flow to leave; nullopt only together with all_flows.
  std::optional<std::string> flow_id;
  // Leave every flow the prospect is in.
  bool all_flows = false;
  std::string unassigned_by_user_email;  // "" when not given
};

struct UnassignByCrmIdResult {
  std::string request_id;  // "" (with a warning) when Gong's is unreadable
  std::vector<std::string> unassigned_flow_instance_ids;  // as Gong listed
  // One line for each field of Gong's answer that could not be read.
  std::vector<std::string> warnings = {};
};

// The GongRequest for `request`: a write (Gong acts on it) of one prospect,
// due at `deadline`, with the body {"crmProspectId", "flowId"?,
// "unassignedByUserEmail"?}. flowId is left out only when `all_flows` says
// so. InvalidArgument, and nothing to send, when the crm prospect id is
// empty or the request does not name exactly one of a non-empty flow id and
// all flows.
absl::StatusOr<GongRequest> EncodeUnassignByCrmId(const UnassignByCrmIdParams& request,
                                                  absl::Time deadline);

// A 200's body: {"requestId": "...", "unassignedFlowInstanceIds": [...]},
// ids sent as JSON numbers kept digit for digit. Unknown fields are
// ignored; a body of any other shape is an error whose message says what was
// wrong.
absl::StatusOr<UnassignByCrmIdResult> DecodeUnassignByCrmIdResponse(
    absl::string_view body);

}  // namespace gong::upstream
