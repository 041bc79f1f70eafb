// GET /v2/flows/folders?flowFolderOwnerEmail=...&workspaceId=&parentId=
// &cursor=: the folders an owner sees, a page at a time (paged as the flow
// listing is, sandbox_paging.h). The answer has the shape Gong's
// specification gives it, the flow listing's: the folders in an array named
// `flows`, each {id, name, visibility, folderId, folderName, creationDate},
// folderId and folderName naming the folder it is in (absent at the top).
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"
#include "sandbox/sandbox_paging.h"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

constexpr absl::string_view kFilters = "flowFolderOwnerEmail, workspaceId or parentId";

std::string QueryKey(const FoldersQuery& query) {
  return absl::StrCat("folders|", absl::AsciiStrToLower(query.owner_email), "|",
                      query.workspace_id, "|", query.parent_id);
}

absl::StatusOr<FoldersQuery> ParseQuery(const QueryParams& params) {
  FoldersQuery query;
  absl::StatusOr<std::string> owner = Param(params, "flowFolderOwnerEmail");
  if (!owner.ok()) return owner.status();
  if (owner->empty()) {
    return absl::InvalidArgumentError("flowFolderOwnerEmail is required");
  }
  query.owner_email = *owner;
  absl::StatusOr<std::string> workspace = Param(params, "workspaceId");
  if (!workspace.ok()) return workspace.status();
  query.workspace_id = *workspace;
  absl::StatusOr<std::string> parent = Param(params, "parentId");
  if (!parent.ok()) return parent.status();
  // Gong's parentId is an int64.
  int64_t parent_number = 0;
  if (!parent->empty() && !absl::SimpleAtoi(*parent, &parent_number)) {
    return absl::InvalidArgumentError("parentId must be an int64");
  }
  query.parent_id = *parent;
  return query;
}

json FolderJson(const SandboxFolder& folder,
                const absl::flat_hash_map<std::string, std::string>& names) {
  json entry = {
      {"id", folder.id},
      {"name", folder.name},
      {"visibility", std::string(VisibilityName(folder.visibility))},
      {"creationDate", GongTime(folder.creation_date)},
  };
  if (!folder.parent_id.empty()) {
    entry["folderId"] = folder.parent_id;
    auto name = names.find(folder.parent_id);
    if (name != names.end()) entry["folderName"] = name->second;
  }
  return entry;
}

}  // namespace

Reply ListFlowFolders(const Call& call, FlowsModel& model) {
  absl::StatusOr<FoldersQuery> query = ParseQuery(call.params);
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

  const std::vector<SandboxFolder> folders = model.Folders(*query);
  // A parent's name, where the owner sees the parent. (An owner may see a
  // Shared folder inside another's Personal one: its parent is then named
  // by id only.)
  FoldersQuery everything_seen = *query;
  everything_seen.parent_id.clear();
  absl::flat_hash_map<std::string, std::string> names;
  for (const SandboxFolder& folder : model.Folders(everything_seen)) {
    names.emplace(folder.id, folder.name);
  }
  const PageSpan span = SpanOfPage(page, folders.size(), call.page_size);
  json page_folders = json::array();
  for (size_t i = span.begin; i < span.end; ++i) {
    page_folders.push_back(FolderJson(folders[i], names));
  }
  return {200,
          Dump(json{{"requestId", call.request_id},
                    {"records", Records(page, span, folders.size(), QueryKey(*query))},
                    {"flows", page_folders}})};
}

}  // namespace gong::sandbox::internal
