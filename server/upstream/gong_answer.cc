#include "upstream/gong_answer.h"

#include <utility>

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

}  // namespace

GongOutcome ReadGongAnswer(http::HttpResult result, absl::Time now) {
  if (const auto* failure = std::get_if<http::TransportError>(&result)) {
    return GongError::NoAnswer(KindOf(failure->kind), failure->message,
                               failure->delivery == http::Delivery::kMaybeProcessed);
  }
  auto& response = std::get<http::HttpResponse>(result);
  if (response.status == 200) return GongAnswer{std::move(response.body)};
  GongErrorBody body = DecodeErrorBody(response.body);
  std::optional<absl::Duration> retry_after;
  if (response.status == 429) {
    // Gong always sends Retry-After with a 429; should it not (or send one
    // that is not a time), its limit is per second, so one second is the
    // honest hint. The quota caps whatever this says (--max_gong_pause).
    retry_after =
        ParseRetryAfter(response.Header("Retry-After"), now).value_or(absl::Seconds(1));
  }
  return GongError::HttpStatus(response.status, std::move(body.request_id),
                               std::move(body.errors), retry_after);
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
