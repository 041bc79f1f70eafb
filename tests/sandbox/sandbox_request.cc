// Gong's wire format for the sandbox: request validation and answer bodies.
// See sandbox_request.h.
#include "sandbox/sandbox_request.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

// Error text may quote client-sent bytes (a path, say); replacing invalid
// UTF-8 keeps dump() from throwing on them.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Gong ids are 64-bit numbers; nlohmann keeps JSON integers exact, so an
// integer id is taken as its decimal text. Anything else (floats included,
// which is what integers beyond 64 bits become) is refused.
absl::StatusOr<std::string> IdText(const json& item, size_t index) {
  const std::string where = absl::StrCat("flowInstanceIds[", index, "]");
  if (item.is_string()) {
    std::string id = item.get<std::string>();
    if (id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
    }
    return id;
  }
  if (item.is_number_unsigned()) return std::to_string(item.get<uint64_t>());
  if (item.is_number_integer()) return std::to_string(item.get<int64_t>());
  return absl::InvalidArgumentError(
      absl::StrCat(where, " must be a string, got ", item.type_name()));
}

absl::StatusOr<std::vector<std::string>> ParseIds(const json& request) {
  auto it = request.find("flowInstanceIds");
  if (it == request.end()) {
    return absl::InvalidArgumentError("flowInstanceIds is required");
  }
  if (!it->is_array()) {
    return absl::InvalidArgumentError(
        "flowInstanceIds must be an array of strings");
  }
  if (it->empty()) {
    return absl::InvalidArgumentError("flowInstanceIds must not be empty");
  }
  if (it->size() > static_cast<size_t>(kMaxIdsPerRequest)) {
    return absl::InvalidArgumentError(
        absl::StrCat("flowInstanceIds holds ", it->size(), " ids; at most ",
                     kMaxIdsPerRequest, " are allowed"));
  }
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < it->size(); ++i) {
    absl::StatusOr<std::string> id = IdText((*it)[i], i);
    if (!id.ok()) return id.status();
    if (!seen.insert(*id).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flowInstanceIds must be unique; ", *id, " appears more than once"));
    }
    ids.push_back(*std::move(id));
  }
  return ids;
}

}  // namespace

absl::StatusOr<UnassignRequest> ParseUnassignRequest(absl::string_view body) {
  const json request = json::parse(body.begin(), body.end(), nullptr,
                                   /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    return absl::InvalidArgumentError("Request body is not valid JSON");
  }
  if (!request.is_object()) {
    return absl::InvalidArgumentError("Request body must be a JSON object");
  }
  absl::StatusOr<std::vector<std::string>> ids = ParseIds(request);
  if (!ids.ok()) return ids.status();

  UnassignRequest parsed;
  parsed.ids = *std::move(ids);
  // An explicit null is what many JSON writers emit for an unset optional
  // field, so it is taken as absent.
  auto email = request.find("unassignedByUserEmail");
  if (email != request.end() && !email->is_null()) {
    if (!email->is_string()) {
      return absl::InvalidArgumentError(
          "unassignedByUserEmail must be a string");
    }
    parsed.unassigned_by_user_email = email->get<std::string>();
  }
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
