// GET /v2/flows?flowOwnerEmail=...&workspaceId=&folderId=
// &mostRecentlyAssigned=true|false&cursor=: the flows an owner sees, a page
// at a time, as `{requestId, records{totalRecords, currentPageSize,
// currentPageNumber, cursor?}, flows[]}`. Pages are numbered from 0, as in
// Gong's other lists; the cursor comes only while more pages exist and goes
// back as the `cursor` query parameter.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"
#include "sandbox/sandbox_paging.h"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

// The list a cursor belongs to: the flows of these filters.
std::string QueryKey(const FlowsQuery& query) {
  return absl::StrCat(absl::AsciiStrToLower(query.owner_email), "|", query.workspace_id,
                      "|", query.folder_id, "|", query.most_recently_assigned ? 1 : 0);
}

constexpr absl::string_view kFilters =
    "flowOwnerEmail, workspaceId, folderId or mostRecentlyAssigned";

absl::StatusOr<FlowsQuery> ParseQuery(const QueryParams& params) {
  FlowsQuery query;
  absl::StatusOr<std::string> owner = Param(params, "flowOwnerEmail");
  if (!owner.ok()) return owner.status();
  if (owner->empty()) return absl::InvalidArgumentError("flowOwnerEmail is required");
  query.owner_email = *owner;
  absl::StatusOr<std::string> workspace = Param(params, "workspaceId");
  if (!workspace.ok()) return workspace.status();
  query.workspace_id = *workspace;
  absl::StatusOr<std::string> folder = Param(params, "folderId");
  if (!folder.ok()) return folder.status();
  query.folder_id = *folder;
  absl::StatusOr<std::string> recent = Param(params, "mostRecentlyAssigned");
  if (!recent.ok()) return recent.status();
  if (*recent == "true") {
    query.most_recently_assigned = true;
  } else if (!recent->empty() && *recent != "false") {
    return absl::InvalidArgumentError("mostRecentlyAssigned must be true or false");
  }
  return query;
}

json FlowJson(const SandboxFlow& flow) {
  return json{
      {"id", flow.id},
      {"name", flow.name},
      {"folderId", flow.folder_id},
      {"folderName", flow.folder_name},
      {"visibility", std::string(VisibilityName(flow.visibility))},
      {"creationDate", GongTime(flow.creation_date)},
      {"exclusive", flow.exclusive},
  };
}

}  // namespace

Reply ListFlows(const Call& call, FlowsModel& model) {
  absl::StatusOr<FlowsQuery> query = ParseQuery(call.params);
  if (!query.ok()) return ErrorReply(call.request_id, 400, query.status().message());
  absl::StatusOr<std::string> cursor = Param(call.params, "cursor");
  if (!cursor.ok()) return ErrorReply(call.request_id, 400, cursor.status().message());
  int64_t page = 0;
  if (!cursor->empty()) {
    absl::StatusOr<int64_t> from_cursor =
        PageOfCursor(*cursor, QueryKey(*query), kFilters);
    if (!from_cursor.ok()) {
      return ErrorReply(call.request_id, 400, from_cursor.status().message());
    }
    page = *from_cursor;
  }

  const std::vector<SandboxFlow> flows = model.Flows(*query);
  // The list may have shrunk since the cursor was issued (an unassign can
  // take a flow out of mostRecentlyAssigned): past its end is an empty page.
  const PageSpan span = SpanOfPage(page, flows.size(), call.page_size);
  json page_flows = json::array();
  for (size_t i = span.begin; i < span.end; ++i) page_flows.push_back(FlowJson(flows[i]));
  const json records = Records(page, span, flows.size(), QueryKey(*query));
  return {200, Dump(json{{"requestId", call.request_id},
                         {"records", records},
                         {"flows", page_flows}})};
}

}  // namespace gong::sandbox::internal
