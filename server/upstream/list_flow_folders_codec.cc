#include "upstream/list_flow_folders_codec.h"

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

// `first` when the answer has it, else `second`: an assumed name and its
// fallback (the header says which).
std::string FirstId(const FieldReader& fields, absl::string_view first,
                    absl::string_view second) {
  return fields.Find(first) != nullptr ? fields.OptionalId(first)
                                       : fields.OptionalId(second);
}

std::string FirstString(const FieldReader& fields, absl::string_view first,
                        absl::string_view second) {
  return fields.Find(first) != nullptr ? fields.OptionalString(first)
                                       : fields.OptionalString(second);
}

absl::StatusOr<FlowFolder> ReadFolder(const Json& value, absl::string_view array,
                                      size_t i, std::vector<std::string>* warnings) {
  const std::string where = absl::StrCat(array, "[", i, "]");
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const FieldReader fields(value, where, warnings);
  FlowFolder folder;
  // A folder without its id cannot be named in ListFlows' filter.
  absl::StatusOr<std::string> id = fields.RequiredId("id");
  if (!id.ok()) return id.status();
  folder.folder_id = *std::move(id);
  folder.name = fields.OptionalString("name");
  folder.visibility = internal::VisibilityFromGong(fields.OptionalString("visibility"));
  folder.parent_folder_id = FirstId(fields, "parentId", "folderId");
  folder.parent_folder_name = FirstString(fields, "parentName", "folderName");
  folder.create_time = fields.OptionalTime("creationDate");
  return folder;
}

}  // namespace

GongRequest EncodeListFlowFolders(const ListFlowFoldersParams& query,
                                  absl::Time deadline) {
  GongRequest gong;
  gong.method = "GET";
  gong.path = std::string(kListFlowFoldersPath);
  // Required by Gong: sent even when empty, so that Gong's 400 says so
  // should a caller skip validation.
  gong.query.emplace_back("flowFolderOwnerEmail", query.owner_email);
  if (!query.workspace_id.empty()) {
    gong.query.emplace_back("workspaceId", query.workspace_id);
  }
  if (!query.parent_folder_id.empty()) {
    gong.query.emplace_back("parentId", query.parent_folder_id);
  }
  if (!query.cursor.empty()) gong.query.emplace_back("cursor", query.cursor);
  gong.deadline = deadline;
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = 0;  // it carries no ids
  return gong;
}

absl::StatusOr<ListFlowFoldersResult> DecodeListFlowFoldersResponse(
    absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  ListFlowFoldersResult result;
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

  // `folders` is the name that fits; the specification's `flows` is read
  // when it is absent. A null array is as absent (FieldReader's rule).
  absl::string_view name = "folders";
  auto array = parsed.find(name);
  if (array == parsed.end() || array->is_null()) {
    name = "flows";
    array = parsed.find(name);
  }
  // An answer without the list cannot be told from a truncated one.
  if (array == parsed.end() || !array->is_array()) {
    return absl::DataLossError(
        "folders (or flows) is missing or not an array of folders");
  }
  result.folders.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    absl::StatusOr<FlowFolder> folder =
        ReadFolder((*array)[i], name, i, &result.warnings);
    if (!folder.ok()) return folder.status();
    result.folders.push_back(*std::move(folder));
  }
  return result;
}

}  // namespace gong::upstream
