// What an endpoint's codec makes of Gong's answer, the same for every
// endpoint: its result, or the GongError that stands in for it (Gong's own
// error, the failure that left no answer, or a 200 the codec could not
// read).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"

namespace gong::upstream {

template <typename Result>
using GongResult = std::variant<Result, GongError>;

// `outcome` read by an endpoint's `decode_body` (its codec's
// Decode...Response): an error passes through, and a 200 (or 202) whose
// body is not of the endpoint's shape is a kMalformedAnswer error saying why,
// with the status Gong answered.
template <typename Result>
GongResult<Result> DecodeOutcome(
    GongOutcome outcome, absl::StatusOr<Result> (*decode_body)(absl::string_view)) {
  if (auto* error = std::get_if<GongError>(&outcome)) return std::move(*error);
  const GongAnswer& answer = std::get<GongAnswer>(outcome);
  absl::StatusOr<Result> decoded = decode_body(answer.body);
  if (decoded.ok()) return *std::move(decoded);
  return GongError::MalformedAnswer(answer.http_status,
                                    std::string(decoded.status().message()));
}

}  // namespace gong::upstream
