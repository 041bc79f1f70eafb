// Gong's answer to any request, read once for every endpoint: a 200 with
// its body for the endpoint's codec, or a GongError (the status with Gong's
// requestId, errors[] and Retry-After, or the failure that left no answer).
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/http_transport.h"
#include "upstream/gong_error.h"

namespace gong::upstream {

// Gong's 200 (or 202, a job's start), whose body the endpoint's codec
// reads (for a merged request, each caller's own part of it: coalescing.h).
struct GongAnswer {
  std::string body;
  // For the log line of the request: Gong's requestId (the body's
  // top-level one) and its X-Traceid header (kMaxGongTraceIdSize printable
  // characters at most), when it sent them. A caller's share of a merged
  // answer (coalescing.h) leaves them empty; its codec reads its own
  // requestId from the body.
  std::string request_id = {};
  std::string gong_trace_id = {};
  // The status Gong answered with: 200, or 202 for a job it accepted.
  int http_status = 200;
};

// The longest X-Traceid kept from Gong's answer; a longer one is cut.
inline constexpr size_t kMaxGongTraceIdSize = 128;

using GongOutcome = std::variant<GongAnswer, GongError>;

// The transport's result as Gong's answer (a 200's body moved, not
// copied). A 429 without a readable Retry-After gets one second: Gong's
// limit is per second. Gong's X-Traceid header, kept only when printable
// ASCII, goes into the answer or error.
GongOutcome ReadGongAnswer(http::HttpResult result, absl::Time now);

// What an error answer's body told, as far as it is Gong's error shape
// {"requestId": "...", "errors": ["..."]}; anything else yields nothing.
struct GongErrorBody {
  std::string request_id;
  std::vector<std::string> errors;
};
GongErrorBody DecodeErrorBody(absl::string_view body);

}  // namespace gong::upstream
