// The codec of Gong's flow listing, GET /v2/flows: its plain C++ query and
// result, the GongRequest that carries one, and the reading of Gong's 200
// body. No gRPC types here.
//
// Gong pages the listing: an answer that has more after it carries a
// cursor, which goes back as the query parameter `cursor` (not in a body: a
// GET has none, and Gong ignores one) to get the next page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::upstream {

inline constexpr absl::string_view kListFlowsPath = "/v2/flows";

// Who may see a flow. Gong may add kinds; one this facade does not know is
// kUnspecified rather than an error, so a new kind cannot break listings.
enum class FlowVisibility { kUnspecified, kCompany, kPersonal, kShared };

struct Flow {
  std::string flow_id;
  std::string name;
  std::string folder_id;  // "" when Gong gave none
  std::string folder_name;
  FlowVisibility visibility = FlowVisibility::kUnspecified;
  // Unset when Gong gave no date or one that names no instant (the result's
  // warnings then say which).
  std::optional<absl::Time> create_time;
  bool exclusive = false;
};

struct ListFlowsParams {
  std::string flow_owner_email;  // required by Gong; always sent
  std::string workspace_id;      // "" when not given
  std::string folder_id;         // "" when not given
  // Only the flows most recently assigned (Gong gives at most 20).
  bool most_recently_assigned = false;
  std::string cursor;  // a previous page's next_cursor; "" for the first page
};

struct ListFlowsResult {
  std::string request_id;
  std::vector<Flow> flows;  // in Gong's order
  std::string next_cursor;  // "" on the last page
  int64_t total_records = 0;
  int64_t page_size = 0;
  int64_t page_number = 0;
  // What was read with loss but not refused (a flow's unreadable date), in
  // words for logs.
  std::vector<std::string> warnings;
};

// The GongRequest for `query`: a GET with no body, a read (safe to retry),
// due at `deadline`. Only the parameters that are set are sent, and
// mostRecentlyAssigned only when true. The values go in as they are: the
// Gong client percent-encodes them.
GongRequest EncodeListFlows(const ListFlowsParams& query, absl::Time deadline);

// A 200's body: {"requestId": "...", "records": {"totalRecords": N,
// "currentPageSize": N, "currentPageNumber": N, "cursor"?: "..."},
// "flows": [{"id", "name", "folderId", "folderName", "visibility",
// "creationDate", "exclusive"}]}. As every codec reads (json_fields.h):
// unknown fields are ignored; a body without requestId, records or flows,
// a flow without its id, or a cursor that is not a string is an error
// whose message names the field; any other field absent reads as empty,
// and one of the wrong type or a date that cannot be read as empty with a
// warning.
absl::StatusOr<ListFlowsResult> DecodeListFlowsResponse(absl::string_view body);

}  // namespace gong::upstream
