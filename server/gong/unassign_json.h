// Gong's JSON shapes for unassign-flows-by-instance-id, both ways.
//
// Gong's ids are 64-bit numbers written as strings, and some Gong answers
// carry ids above 2^53 as JSON numbers: an id that arrives as a number is
// kept digit for digit and never passes through a double.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gong/unassign_types.h"

namespace gong {

// {"flowInstanceIds":[...]} plus "unassignedByUserEmail" when one is given.
std::string EncodeUnassignRequest(const UnassignRequest& request);

// A 200's body: {"requestId": "...", "unassignedFlowInstanceIds": [...]}.
// Unknown fields are ignored; a body of any other shape is an error whose
// message says what was wrong.
absl::StatusOr<UnassignResult> DecodeUnassignResponse(absl::string_view body);

// What an error answer's body told, as far as it is Gong's error shape
// {"requestId": "...", "errors": ["..."]}; anything else yields nothing.
struct GongErrorBody {
  std::string request_id;
  std::vector<std::string> errors;
};
GongErrorBody DecodeErrorBody(absl::string_view body);

}  // namespace gong
