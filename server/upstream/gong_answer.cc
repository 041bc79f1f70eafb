#include "upstream/gong_answer.h"

#include <utility>

#include "base/printable_text.h"
#include "upstream/gong_json.h"
#include "upstream/retry_after.h"

namespace gong::upstream {
namespace {

GongError::Kind KindOf(http::TransportFailure failure) {
  switch (failure) {
    case http::TransportFailure::kTimeout:
      return GongError::Kind::kTimedOut;
    case http::TransportFailure::kConnectFailed:
      return GongError::Kind::kConnectFailed;
    case http::TransportFailure::kTlsFailure:
      return GongError::Kind::kTlsFailure;
    case http::TransportFailure::kConnectionDropped:
      return GongError::Kind::kConnectionDropped;
    case http::TransportFailure::kCancelled:
      return GongError::Kind::kCancelled;
    case http::TransportFailure::kOther:
      break;
  }
  return GongError::Kind::kNoAnswer;
}

// A 200's top-level requestId, or "" (the codec reads the body again, and
// says what is wrong with it; this is only for the request's log line).
std::string RequestIdOf(absl::string_view body) {
  std::string request_id;
  const absl::StatusOr<internal::json::Json> parsed = internal::json::Parse(body);
  if (!parsed.ok() || !parsed->is_object()) return request_id;
  if (auto it = parsed->find("requestId"); it != parsed->end()) {
    internal::json::IdText(*it, &request_id);
  }
  return request_id;
}

}  // namespace

GongOutcome ReadGongAnswer(http::HttpResult result, absl::Time now) {
  if (const auto* failure = std::get_if<http::TransportError>(&result)) {
    return GongError::NoAnswer(KindOf(failure->kind), failure->message,
                               failure->delivery == http::Delivery::kMaybeProcessed);
  }
  auto& response = std::get<http::HttpResponse>(result);
  std::string gong_trace_id =
      base::PrintableAsciiOrEmpty(response.Header("X-Traceid"), kMaxGongTraceIdSize);
  // 202 is how Gong accepts a job (a bulk assignment's start): an answer
  // with a body like 200's. Other 2xx are not Gong's and stay errors.
  if (response.status == 200 || response.status == 202) {
    GongAnswer answer{std::move(response.body)};
    answer.http_status = response.status;
    answer.request_id = RequestIdOf(answer.body);
    answer.gong_trace_id = std::move(gong_trace_id);
    return answer;
  }
  GongErrorBody body = DecodeErrorBody(response.body);
  std::optional<absl::Duration> retry_after;
  if (response.status == 429) {
    // Gong always sends Retry-After with a 429; should it not (or send one
    // that is not a time), its limit is per second, so one second is the
    // honest hint. The quota caps whatever this says (--max_gong_pause).
    retry_after =
        ParseRetryAfter(response.Header("Retry-After"), now).value_or(absl::Seconds(1));
  }
  GongError error = GongError::HttpStatus(response.status, std::move(body.request_id),
                                          std::move(body.errors), retry_after);
  error.gong_trace_id = std::move(gong_trace_id);
  return error;
}

GongErrorBody DecodeErrorBody(absl::string_view body) {
  GongErrorBody out;
  const absl::StatusOr<internal::json::Json> body_json = internal::json::Parse(body);
  if (!body_json.ok() || !body_json->is_object()) return out;
  const internal::json::Json& parsed = *body_json;
  if (auto it = parsed.find("requestId"); it != parsed.end()) {
    internal::json::IdText(*it, &out.request_id);
  }
  if (auto it = parsed.find("errors"); it != parsed.end() && it->is_array()) {
    for (const internal::json::Json& e : *it) {
      if (e.is_string()) {
        out.errors.push_back(e.get<std::string>());
      } else if (internal::json::IsUnreadableText(e)) {
        // Said rather than dropped: the caller should know Gong said more.
        out.errors.push_back("(an error whose text is not UTF-8)");
      }
    }
  }
  return out;
}

}  // namespace gong::upstream
