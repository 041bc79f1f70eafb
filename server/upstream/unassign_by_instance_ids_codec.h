// The codec of Gong's unassign-flows-by-instance-id endpoint: its plain C++
// request and result, the GongRequest that carries one, and the reading of
// Gong's 200 body. No gRPC types here.
//
// Gong's ids are 64-bit numbers written as strings, and some Gong answers
// carry ids above 2^53 as JSON numbers: an id that arrives as a number is
// kept digit for digit and never passes through a double.
#pragma once

#include <cstddef>
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

inline constexpr absl::string_view kUnassignByInstanceIdsPath =
    "/v2/flows/prospects/unassign-flows-by-instance-id";
// Gong takes at most this many flow instance ids a request.
inline constexpr size_t kMaxIdsPerUnassign = 200;

struct UnassignByInstanceIdsParams {
  std::vector<std::string> flow_instance_ids;  // distinct, 1..200
  std::string unassigned_by_user_email;        // "" when not given
};

struct UnassignByInstanceIdsResult {
  std::string request_id;  // "" (with a warning) when Gong's is unreadable
  std::vector<std::string> unassigned_flow_instance_ids;  // as Gong listed
  // One line for each field of Gong's answer that could not be read.
  std::vector<std::string> warnings = {};
};

// The GongRequest for `request`: a write (Gong acts on it), due at `deadline`.
GongRequest EncodeUnassignByInstanceIds(const UnassignByInstanceIdsParams& request,
                                        absl::Time deadline);

// {"flowInstanceIds":[...]} plus "unassignedByUserEmail" when one is given.
std::string EncodeUnassignByInstanceIdsBody(const UnassignByInstanceIdsParams& request);

// A 200's body as Gong writes it (to hand each caller of a merged request
// its own part of Gong's answer).
std::string EncodeUnassignByInstanceIdsResponse(
    const UnassignByInstanceIdsResult& result);

// A 200's body: {"requestId": "...", "unassignedFlowInstanceIds": [...]}.
// Unknown fields are ignored. Gong has acted on the request, so only the
// list of ids, without which the caller cannot know what happened, is
// required: an unreadable requestId is a warning. A body of any other shape
// is an error whose message says what was wrong.
absl::StatusOr<UnassignByInstanceIdsResult> DecodeUnassignByInstanceIdsResponse(
    absl::string_view body);

}  // namespace gong::upstream
