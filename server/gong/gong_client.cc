#include "gong/gong_client.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gong/unassign_json.h"

namespace gong {
namespace {

// Retry-After as Gong sends it: whole seconds. (The HTTP-date form is not
// used by Gong; it is ignored rather than guessed at.)
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value) {
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(value, &seconds) || seconds < 0) return std::nullopt;
  return absl::Seconds(seconds);
}

}  // namespace

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
    // Gong always sends Retry-After with a 429; should it not, its limit is
    // per second, so one second is the honest hint.
    error.retry_after = ParseRetryAfter(response.Header("Retry-After"))
                            .value_or(absl::Seconds(1));
  }
  return error;
}

}  // namespace gong
