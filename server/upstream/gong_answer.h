// Gong's answer to any request, read once for every endpoint: a 200 with
// its body for the endpoint's codec, or a GongError (the status with Gong's
// requestId, errors[] and Retry-After, or the failure that left no answer).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/http_transport.h"
#include "upstream/gong_error.h"

namespace gong::upstream {

// Gong's 200, whose body the endpoint's codec reads (for a merged request,
// each caller's own part of it: coalescing.h).
struct GongAnswer {
  std::string body;
};

using GongOutcome = std::variant<GongAnswer, GongError>;

// The transport's result as Gong's answer (a 200's body moved, not
// copied). A 429 without a readable Retry-After gets one second: Gong's
// limit is per second.
GongOutcome ReadGongAnswer(http::HttpResult result, absl::Time now);

// What an error answer's body told, as far as it is Gong's error shape
// {"requestId": "...", "errors": ["..."]}; anything else yields nothing.
struct GongErrorBody {
  std::string request_id;
  std::vector<std::string> errors;
};
GongErrorBody DecodeErrorBody(absl::string_view body);

}  // namespace gong::upstream
