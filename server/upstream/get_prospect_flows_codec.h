// The codec of Gong's flow lookup, POST /v2/flows/prospects: which flow
// instances given prospects (by CRM id) or given instance ids are in. Its
// plain C++ query and result, the GongRequest that carries one, and the
// reading of Gong's 200 body. No gRPC types here.
//
// Despite the POST it is a read (scope api:flows:read): asking twice
// changes nothing, so it may be retried freely. By CRM ids Gong lists only
// open instances (Pending, Running, Paused); by instance ids finished ones
// too.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/flow_instance.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::upstream {

inline constexpr absl::string_view kGetProspectFlowsPath = "/v2/flows/prospects";
// At most this many ids a lookup (Gong documents no cap; this keeps a
// request, and a merged one, to the size of Gong's other id lists).
inline constexpr size_t kMaxIdsPerLookup = 200;

struct GetProspectFlowsParams {
  // Gong takes one kind of id a request, never both.
  enum class By { kCrmProspectIds, kFlowInstanceIds };
  By by = By::kCrmProspectIds;
  std::vector<std::string> ids;  // 1..kMaxIdsPerLookup
};

struct GetProspectFlowsResult {
  std::string request_id;
  std::vector<FlowInstance> flow_instances;  // prospectsAssigned, in Gong's order
  // Fields of Gong's answer that could not be read and were left empty or
  // unset (a date that is no RFC 3339, say), for the caller to log.
  std::vector<std::string> warnings;
};

// The GongRequest for `query`: a read, due at `deadline`.
GongRequest EncodeGetProspectFlows(const GetProspectFlowsParams& query,
                                   absl::Time deadline);

// {"crmProspectsIds": [...]} or {"flowInstanceIds": [...]} (Gong's
// spellings; note the "s" in crmProspectsIds).
std::string EncodeGetProspectFlowsBody(const GetProspectFlowsParams& query);

// A 200's body as Gong writes it, {"requestId": ..., "prospectsAssigned":
// [...]} (to hand each caller of a merged lookup its own part of Gong's
// answer). The warnings are not part of it.
std::string EncodeGetProspectFlowsResponse(const GetProspectFlowsResult& result);

// A 200's body. Unknown fields are ignored; a body that is not a JSON
// object, lacks requestId, has no prospectsAssigned array or an instance
// without its ids is an error whose message says what was wrong
// (flow_instance.h says which fields are required).
absl::StatusOr<GetProspectFlowsResult> DecodeGetProspectFlowsResponse(
    absl::string_view body);

}  // namespace gong::upstream
