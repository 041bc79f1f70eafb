// The codec of Gong's folder listing, GET /v2/flows/folders: its plain C++
// query and result, the GongRequest that carries one, and the reading of
// Gong's 200 body. No gRPC types here.
//
// Paged as the flow listing is (list_flows_codec.h): a cursor in
// records.cursor while more pages follow, sent back as the query parameter
// `cursor`.
//
// Gong's specification describes this answer with the flow listing's
// shape, though it holds folders, so it is read leniently. Documented: the
// array (named `flows` there), and per entry `id`, `name` and `visibility`.
// Assumed, read when present and left empty when not:
// - the array under `folders`, should Gong name it so (when both are there,
//   `folders` wins: it is the name that fits what it holds);
// - the parent folder's id from `parentId`, or else `folderId` (the flow
//   shape's name for "the folder this is in"), and its name from
//   `parentName`, or else `folderName`;
// - the creation date from `creationDate`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_request.h"
#include "upstream/list_flows_codec.h"

namespace gong::upstream {

inline constexpr absl::string_view kListFlowFoldersPath = "/v2/flows/folders";

struct FlowFolder {
  std::string folder_id;
  std::string name;
  FlowVisibility visibility = FlowVisibility::kUnspecified;
  std::string parent_folder_id;  // "" at the top (or when Gong gave none)
  std::string parent_folder_name;
  // Unset when Gong gave no date or one that names no instant.
  std::optional<absl::Time> create_time;
};

struct ListFlowFoldersParams {
  std::string owner_email;       // required by Gong; always sent
  std::string workspace_id;      // "" when not given
  std::string parent_folder_id;  // "" when not given: every folder
  std::string cursor;            // a previous page's next_cursor; "" for the first
};

struct ListFlowFoldersResult {
  std::string request_id;
  std::vector<FlowFolder> folders;  // in Gong's order
  std::string next_cursor;          // "" on the last page
  int64_t total_records = 0;
  int64_t page_size = 0;
  int64_t page_number = 0;
  // What was read with loss but not refused, in words for logs.
  std::vector<std::string> warnings;
};

// The GongRequest for `query`: a GET with no body, a read (safe to retry),
// due at `deadline`. flowFolderOwnerEmail is always sent; the other
// parameters only when set. The client percent-encodes the values.
GongRequest EncodeListFlowFolders(const ListFlowFoldersParams& query,
                                  absl::Time deadline);

// A 200's body: {"requestId", "records": {...}, "flows" or "folders": [{"id",
// "name", "visibility", ...}]} (the names above). As every codec reads
// (json_fields.h): unknown fields are ignored; a body without records or
// without the array, a folder without its id, or a cursor that is not a
// string is an error naming the field; any other field absent reads as
// empty, and one of the wrong type or an unreadable date as empty with a
// warning.
absl::StatusOr<ListFlowFoldersResult> DecodeListFlowFoldersResponse(
    absl::string_view body);

}  // namespace gong::upstream
