#include "upstream/list_flows_codec.h"

#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "upstream/flow_listing.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
namespace {

using internal::json::FieldReader;
using internal::json::Json;

absl::StatusOr<Flow> ReadFlow(const Json& value, size_t i,
                              std::vector<std::string>* warnings) {
  const std::string where = absl::StrCat("flows[", i, "]");
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const FieldReader fields(value, where, warnings);
  Flow flow;
  // A flow without its id cannot be named in any later request.
  absl::StatusOr<std::string> id = fields.RequiredId("id");
  if (!id.ok()) return id.status();
  flow.flow_id = *std::move(id);
  flow.name = fields.OptionalString("name");
  flow.folder_id = fields.OptionalId("folderId");
  flow.folder_name = fields.OptionalString("folderName");
  flow.visibility = internal::VisibilityFromGong(fields.OptionalString("visibility"));
  flow.create_time = fields.OptionalTime("creationDate");
  flow.exclusive = fields.OptionalBool("exclusive");
  return flow;
}

}  // namespace

GongRequest EncodeListFlows(const ListFlowsParams& query, absl::Time deadline) {
  GongRequest gong;
  gong.method = "GET";
  gong.path = std::string(kListFlowsPath);
  // Gong requires the owner: sending it even when empty lets Gong's 400 say
  // so, should a caller skip validation.
  gong.query.emplace_back("flowOwnerEmail", query.flow_owner_email);
  if (!query.workspace_id.empty()) {
    gong.query.emplace_back("workspaceId", query.workspace_id);
  }
  if (!query.folder_id.empty()) {
    gong.query.emplace_back("folderId", query.folder_id);
  }
  // false is Gong's default; leaving it out keeps the URL to what was asked.
  if (query.most_recently_assigned) {
    gong.query.emplace_back("mostRecentlyAssigned", "true");
  }
  if (!query.cursor.empty()) {
    gong.query.emplace_back("cursor", query.cursor);
  }
  gong.deadline = deadline;
  // A read: a retry after a lost answer cannot change anything at Gong.
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = 0;  // it carries no ids
  return gong;
}

absl::StatusOr<ListFlowsResult> DecodeListFlowsResponse(absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  ListFlowsResult result;
  result.request_id = internal::json::ReadRequestId(parsed, &result.warnings);
  internal::ListingRecords records;
  if (absl::Status s = internal::ReadListingRecords(parsed, &records, &result.warnings);
      !s.ok()) {
    return s;
  }
  result.next_cursor = std::move(records.next_cursor);
  result.total_records = records.total_records;
  result.page_size = records.page_size;
  result.page_number = records.page_number;
  // An answer without the list cannot be told from a truncated one, so it is
  // refused rather than read as an empty page.
  auto flows = parsed.find("flows");
  if (flows == parsed.end() || !flows->is_array()) {
    return absl::DataLossError("flows is missing or not an array");
  }
  result.flows.reserve(flows->size());
  for (size_t i = 0; i < flows->size(); ++i) {
    absl::StatusOr<Flow> flow = ReadFlow((*flows)[i], i, &result.warnings);
    if (!flow.ok()) return flow.status();
    result.flows.push_back(*std::move(flow));
  }
  return result;
}

}  // namespace gong::upstream
