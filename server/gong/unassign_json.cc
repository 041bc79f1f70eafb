#include "gong/unassign_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace gong {
namespace {

using Json = nlohmann::json;

// A Gong id as text: a string as is, an integer with every digit.
// Floating-point numbers (which nlohmann also makes of integers too large
// for 64 bits) would have lost digits, so they are refused.
bool IdText(const Json& value, std::string* out) {
  if (value.is_string()) {
    *out = value.get<std::string>();
    return true;
  }
  if (value.is_number_integer()) {  // signed or unsigned, exact
    *out = value.dump();
    return true;
  }
  return false;
}

}  // namespace

std::string EncodeUnassignRequest(const UnassignRequest& request) {
  Json body = Json::object();
  body["flowInstanceIds"] = request.flow_instance_ids;
  if (!request.unassigned_by_user_email.empty()) {
    body["unassignedByUserEmail"] = request.unassigned_by_user_email;
  }
  // Replace rather than throw on invalid UTF-8 (protobuf has already refused
  // such strings; this keeps the encoder total).
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<UnassignResult> DecodeUnassignResponse(absl::string_view body) {
  const Json json = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::DataLossError("body is not JSON");
  if (!json.is_object()) return absl::DataLossError("body is not a JSON object");

  UnassignResult result;
  if (auto it = json.find("requestId"); it != json.end() && !it->is_null()) {
    if (!IdText(*it, &result.request_id)) {
      return absl::DataLossError("requestId is not a string");
    }
  }
  // Without this list there is no telling which prospects left their flows.
  auto ids = json.find("unassignedFlowInstanceIds");
  if (ids == json.end() || !ids->is_array()) {
    return absl::DataLossError("unassignedFlowInstanceIds is missing or not an array");
  }
  result.unassigned_flow_instance_ids.reserve(ids->size());
  for (size_t i = 0; i < ids->size(); ++i) {
    std::string id;
    if (!IdText((*ids)[i], &id)) {
      return absl::DataLossError(absl::StrCat(
          "unassignedFlowInstanceIds[", i, "] is neither a string nor an integer"));
    }
    result.unassigned_flow_instance_ids.push_back(std::move(id));
  }
  return result;
}

GongErrorBody DecodeErrorBody(absl::string_view body) {
  GongErrorBody out;
  const Json json = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return out;  // also covers a discarded parse
  if (auto it = json.find("requestId"); it != json.end()) {
    IdText(*it, &out.request_id);
  }
  if (auto it = json.find("errors"); it != json.end() && it->is_array()) {
    for (const Json& e : *it) {
      if (e.is_string()) out.errors.push_back(e.get<std::string>());
    }
  }
  return out;
}

}  // namespace gong
