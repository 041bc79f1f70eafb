#include "gong/gong_client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gong/unassign_json.h"

namespace gong {
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (!value.empty() && std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    // Whole seconds, Gong's form; more than an int64 holds is "forever".
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return absl::InfiniteDuration();
    return absl::Seconds(seconds);
  }
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds)) {
    // A fraction is not HTTP's form, but its meaning is plain.
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // An HTTP-date (RFC 9110's IMF-fixdate); one in the past means now.
  // absl::ParseTime also takes the words "infinite-future" and
  // "infinite-past" whatever the format, and reads its input as a C string,
  // so that a date followed by a NUL and anything passes: neither is an
  // HTTP-date (both found by fuzzing).
  absl::Time when;
  std::string ignored;
  if (value.find('\0') == absl::string_view::npos &&
      absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, &when, &ignored) &&
      when != absl::InfiniteFuture() && when != absl::InfinitePast()) {
    return std::max(when - now, absl::ZeroDuration());
  }
  return std::nullopt;
}

std::string UnassignUrl(absl::string_view base_url) {
  return absl::StrCat(absl::StripSuffix(base_url, "/"), kUnassignPath);
}

http::HttpRequest UnassignHttpRequest(std::string url, const GongCredentials& credentials,
                                      const UnassignRequest& request, absl::Time deadline) {
  http::HttpRequest http;
  http.url = std::move(url);
  http.headers = {credentials.authorization_header(), "Content-Type: application/json",
                  "Accept: application/json"};
  http.body = EncodeUnassignRequest(request);
  http.deadline = deadline;
  return http;
}

RestGongClient::RestGongClient(std::string base_url,
                               GongCredentials credentials,
                               http::HttpTransport* transport)
    : url_(UnassignUrl(base_url)),
      credentials_(std::move(credentials)),
      transport_(transport) {}

GongClient::CallId RestGongClient::Unassign(UnassignRequest request,
                                            absl::Time deadline,
                                            Callback done) {
  return transport_->Post(
      UnassignHttpRequest(url_, credentials_, request, deadline),
      [done = std::move(done)](http::HttpResult result) mutable {
        std::move(done)(InterpretUnassignAnswer(result));
      });
}

void RestGongClient::Cancel(CallId id) { transport_->Cancel(id); }

UnassignOutcome InterpretUnassignAnswer(const http::HttpResult& result) {
  GongError error;
  if (const auto* failure = std::get_if<http::TransportError>(&result)) {
    error.kind = GongError::Kind::kTransport;
    error.transport_failure = failure->kind;
    error.delivery = failure->delivery;
    error.detail = failure->message;
    return error;
  }
  const auto& response = std::get<http::HttpResponse>(result);
  error.http_status = response.status;
  if (response.status == 200) {
    absl::StatusOr<UnassignResult> decoded = DecodeUnassignResponse(response.body);
    if (decoded.ok()) return *std::move(decoded);
    error.kind = GongError::Kind::kMalformedResponse;
    error.detail = std::string(decoded.status().message());
    return error;
  }
  error.kind = GongError::Kind::kHttpStatus;
  GongErrorBody body = DecodeErrorBody(response.body);
  error.gong_request_id = std::move(body.request_id);
  error.errors = std::move(body.errors);
  if (response.status == 429) {
    // Gong always sends Retry-After with a 429; should it not (or send one
    // that is not a time), its limit is per second, so one second is the
    // honest hint. The quota caps whatever this says (--max_gong_pause).
    error.retry_after = ParseRetryAfter(response.Header("Retry-After"), absl::Now())
                            .value_or(absl::Seconds(1));
  }
  return error;
}

}  // namespace gong
