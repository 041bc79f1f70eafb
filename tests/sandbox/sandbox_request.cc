// The wire format every sandbox endpoint shares (authorization, error
// bodies, status texts) and the unassign-by-instance-id endpoint's own. See
// sandbox_request.h.
#include "sandbox/sandbox_request.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {

using nlohmann::json;

absl::StatusOr<UnassignRequest> ParseUnassignRequest(absl::string_view body) {
  absl::StatusOr<json> request = ParseObject(body);
  if (!request.ok()) return request.status();
  if (!request->contains("flowInstanceIds")) {
    return absl::InvalidArgumentError("flowInstanceIds is required");
  }
  absl::StatusOr<std::vector<std::string>> ids =
      IdList(*request, "flowInstanceIds", kMaxIdsPerRequest, /*unique=*/true);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<std::optional<std::string>> email =
      OptionalString(*request, "unassignedByUserEmail");
  if (!email.ok()) return email.status();

  UnassignRequest parsed;
  parsed.ids = *std::move(ids);
  parsed.unassigned_by_user_email = email->value_or("");
  return parsed;
}

bool HasAcceptedAuthorization(absl::string_view header) {
  return absl::StartsWith(header, "Basic ") ||
         absl::StartsWith(header, "Bearer ");
}

std::string ErrorBody(absl::string_view request_id, absl::string_view message) {
  return ErrorBody(request_id, std::vector<std::string>{std::string(message)});
}

std::string ErrorBody(absl::string_view request_id,
                      const std::vector<std::string>& errors) {
  json body = json::object();
  body["requestId"] = std::string(request_id);
  body["errors"] = errors;
  return Dump(body);
}

std::string SuccessBody(absl::string_view request_id,
                        const std::vector<std::string>& unassigned_ids) {
  json body = json::object();
  body["requestId"] = std::string(request_id);
  body["unassignedFlowInstanceIds"] = unassigned_ids;
  return Dump(body);
}

Reply ErrorReply(absl::string_view request_id, int status, absl::string_view message,
                 int64_t retry_after_seconds) {
  return {status, ErrorBody(request_id, message), retry_after_seconds};
}

std::string StatusText(int status) {
  static constexpr std::pair<int, absl::string_view> kTexts[] = {
      {400, "400 Bad Request"},
      {401, "401 Unauthorized"},
      {403, "403 Forbidden"},
      {404, "404 Not Found"},
      {408, "408 Request Timeout"},
      {409, "409 Conflict"},
      {429, "429 Too Many Requests: API request limit exceeded"},
      {500, "500 Internal Server Error: An unexpected error occurred"},
      {501, "501 Not Implemented"},
      {502, "502 Bad Gateway"},
      {503, "503 Service Unavailable"},
      {504, "504 Gateway Timeout"},
  };
  for (const auto& [code, text] : kTexts) {
    if (code == status) return std::string(text);
  }
  return absl::StrCat(status, " (forced by the sandbox)");
}

}  // namespace gong::sandbox::internal
