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

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

constexpr absl::string_view kCursorVersion = "sbx1";

// The query a cursor belongs to, so that a cursor sent with other filters
// (a client that lost track of which list it pages) is refused rather than
// answered with a page of another list.
std::string QueryKey(const FlowsQuery& query) {
  return absl::StrCat(absl::AsciiStrToLower(query.owner_email), "|", query.workspace_id,
                      "|", query.folder_id, "|", query.most_recently_assigned ? 1 : 0);
}

// Opaque to clients, as Gong's are, and URL-safe so that it can go back in
// the query string unescaped; the sandbox keeps no state for it.
std::string MakeCursor(int64_t page, const FlowsQuery& query) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kCursorVersion, "|", page, "|", QueryKey(query)));
}

absl::StatusOr<int64_t> PageOfCursor(absl::string_view cursor, const FlowsQuery& query) {
  std::string text;
  const absl::Status invalid =
      absl::InvalidArgumentError(absl::StrCat("Invalid cursor: ", cursor));
  if (!absl::WebSafeBase64Unescape(cursor, &text)) return invalid;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('|', 2));
  int64_t page = 0;
  if (parts.size() != 3 || parts[0] != kCursorVersion ||
      !absl::SimpleAtoi(parts[1], &page) || page < 1) {
    return invalid;
  }
  if (parts[2] != QueryKey(query)) {
    return absl::InvalidArgumentError(
        "Invalid cursor: it was issued for another flowOwnerEmail, workspaceId, "
        "folderId or mostRecentlyAssigned");
  }
  return page;
}

// The parameter's single value; absent is empty. A parameter given twice is
// refused: which one Gong would take is anyone's guess.
absl::StatusOr<std::string> Param(const QueryParams& params, const std::string& name) {
  const size_t count = params.count(name);
  if (count > 1) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is given more than once"));
  }
  return count == 0 ? "" : params.find(name)->second;
}

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
    absl::StatusOr<int64_t> from_cursor = PageOfCursor(*cursor, *query);
    if (!from_cursor.ok()) {
      return ErrorReply(call.request_id, 400, from_cursor.status().message());
    }
    page = *from_cursor;
  }

  const std::vector<SandboxFlow> flows = model.Flows(*query);
  const size_t page_size = static_cast<size_t>(std::max(call.page_size, 1));
  const size_t total = flows.size();
  // The list may have shrunk since the cursor was issued (an unassign can
  // take a flow out of mostRecentlyAssigned): past its end is an empty page.
  // (A page beyond the number of flows is past the end whatever the page
  // size, and checking it first keeps page * page_size from overflowing.)
  const size_t begin = static_cast<uint64_t>(page) > total
                           ? total
                           : std::min(total, static_cast<size_t>(page) * page_size);
  const size_t end = std::min(total, begin + page_size);

  json page_flows = json::array();
  for (size_t i = begin; i < end; ++i) page_flows.push_back(FlowJson(flows[i]));
  json records = {{"totalRecords", total},
                  {"currentPageSize", end - begin},
                  {"currentPageNumber", page}};
  if (end < total) records["cursor"] = MakeCursor(page + 1, *query);
  return {200, Dump(json{{"requestId", call.request_id},
                         {"records", records},
                         {"flows", page_flows}})};
}

}  // namespace gong::sandbox::internal
