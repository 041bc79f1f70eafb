// Fuzzes how the flows endpoints' 200 bodies are read (the lookup, the
// listing, assign, unassign by CRM id, the folder listing and the steps),
// and the listings' page tokens, which callers send back and may have
// mangled.
//
// Input: a first byte choosing the reader (mod 8), then its input: a body
// for the decoders (0-3, 5, 6), a page token for ListFlows (4) and for
// ListFlowFolders (7).
//
// Invariants beyond "no crash":
// - a lookup's answer, written back in Gong's shape, reads as the same
//   instances (EncodeFlowInstance of each is unchanged);
// - every warning names its field by path and stays short and printable
//   ASCII (warnings go to logs, and Gong's text in them is an excerpt);
// - a page token is read only when it is one of ours for these filters: its
//   cursor is non-empty and bounded, re-encoding it gives a token that reads
//   the same, and the same token under other filters, or by the other
//   listing, is refused;
// - a steps answer cut to some of its flows (a merged lookup's share) reads
//   as exactly those flows, each as before.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/page_token.h"
#include "fuzz_check.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/get_flow_steps_codec.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/list_flow_folders_codec.h"
#include "upstream/list_flows_codec.h"
#include "upstream/unassign_by_crm_id_codec.h"

namespace {

constexpr size_t kMaxWarningBytes = 400;

void CheckWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    FUZZ_CHECK(!warning.empty() && warning.size() <= kMaxWarningBytes);
    for (unsigned char c : warning) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  }
}

void FuzzLookup(absl::string_view body) {
  absl::StatusOr<gong::upstream::GetProspectFlowsResult> result =
      gong::upstream::DecodeGetProspectFlowsResponse(body);
  if (!result.ok()) {
    FUZZ_CHECK(!result.status().message().empty());
    return;
  }
  CheckWarnings(result->warnings);
  absl::StatusOr<gong::upstream::GetProspectFlowsResult> again =
      gong::upstream::DecodeGetProspectFlowsResponse(
          gong::upstream::EncodeGetProspectFlowsResponse(*result));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->request_id == result->request_id);
  FUZZ_CHECK(again->flow_instances.size() == result->flow_instances.size());
  for (size_t i = 0; i < result->flow_instances.size(); ++i) {
    FUZZ_CHECK(gong::upstream::EncodeFlowInstance(again->flow_instances[i]) ==
               gong::upstream::EncodeFlowInstance(result->flow_instances[i]));
  }
}

void FuzzListing(absl::string_view body) {
  absl::StatusOr<gong::upstream::ListFlowsResult> result =
      gong::upstream::DecodeListFlowsResponse(body);
  if (!result.ok()) return;
  CheckWarnings(result->warnings);
  // A cursor, when there is one, travels in a page token that reads back,
  // or is refused when it is made: never a token the facade then refuses.
  if (!result->next_cursor.empty()) {
    gong::upstream::ListFlowsParams filters;
    filters.flow_owner_email = "ana@example.com";
    absl::StatusOr<std::string> token =
        gong::api::internal::EncodePageToken(filters, result->next_cursor);
    if (result->next_cursor.size() > gong::api::internal::kMaxCursorBytes) {
      FUZZ_CHECK(!token.ok());
      return;
    }
    FUZZ_CHECK(token.ok() && token->size() <= gong::api::internal::kMaxPageTokenBytes);
    absl::StatusOr<std::string> cursor =
        gong::api::internal::DecodePageToken(*token, filters);
    FUZZ_CHECK(cursor.ok() && *cursor == result->next_cursor);
  }
}

void FuzzAssign(absl::string_view body) {
  absl::StatusOr<gong::upstream::AssignProspectsResult> result =
      gong::upstream::DecodeAssignProspectsResponse(body);
  if (!result.ok()) return;
  CheckWarnings(result->warnings);
  for (const gong::upstream::AssignmentFailure& failure : result->not_assigned) {
    FUZZ_CHECK(!failure.crm_prospect_id.empty());
  }
}

void FuzzUnassignByCrmId(absl::string_view body) {
  (void)gong::upstream::DecodeUnassignByCrmIdResponse(body);
}

void FuzzPageToken(absl::string_view token) {
  gong::upstream::ListFlowsParams filters;
  filters.flow_owner_email = "ana@example.com";
  filters.workspace_id = "61";
  absl::StatusOr<std::string> cursor =
      gong::api::internal::DecodePageToken(token, filters);
  if (!cursor.ok()) {
    FUZZ_CHECK(cursor.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(!cursor->empty() && cursor->size() <= gong::api::internal::kMaxCursorBytes);
  absl::StatusOr<std::string> again =
      gong::api::internal::EncodePageToken(filters, *cursor);
  FUZZ_CHECK(again.ok());
  absl::StatusOr<std::string> reread =
      gong::api::internal::DecodePageToken(*again, filters);
  FUZZ_CHECK(reread.ok() && *reread == *cursor);
  gong::upstream::ListFlowsParams other = filters;
  other.folder_id = "9";
  FUZZ_CHECK(!gong::api::internal::DecodePageToken(token, other).ok());
}

void FuzzFolders(absl::string_view body) {
  absl::StatusOr<gong::upstream::ListFlowFoldersResult> result =
      gong::upstream::DecodeListFlowFoldersResponse(body);
  if (!result.ok()) {
    FUZZ_CHECK(!result.status().message().empty());
    return;
  }
  CheckWarnings(result->warnings);
  if (!result->next_cursor.empty()) {
    gong::upstream::ListFlowFoldersParams filters;
    filters.owner_email = "ana@example.com";
    absl::StatusOr<std::string> token =
        gong::api::internal::EncodePageToken(filters, result->next_cursor);
    if (result->next_cursor.size() > gong::api::internal::kMaxCursorBytes) {
      FUZZ_CHECK(!token.ok());
      return;
    }
    FUZZ_CHECK(token.ok() && token->size() <= gong::api::internal::kMaxPageTokenBytes);
    absl::StatusOr<std::string> cursor =
        gong::api::internal::DecodePageToken(*token, filters);
    FUZZ_CHECK(cursor.ok() && *cursor == result->next_cursor);
  }
}

void FuzzSteps(absl::string_view body) {
  absl::StatusOr<gong::upstream::GetFlowStepsResult> result =
      gong::upstream::DecodeGetFlowStepsResponse(body);
  if (!result.ok()) {
    FUZZ_CHECK(!result.status().message().empty());
    // Unreadable, a share is the answer as it came, for the codec to report.
    FUZZ_CHECK(gong::upstream::KeepFlowSteps(body, {"1"}) == body);
    return;
  }
  CheckWarnings(result->warnings);
  for (const gong::upstream::FlowWithSteps& flow : result->flows) {
    for (const gong::upstream::FlowStep& step : flow.steps) FUZZ_CHECK(step.number >= 0);
  }
  // Every other flow's id kept: the share reads as those flows, in order.
  std::vector<std::string> kept_ids;
  for (size_t i = 0; i < result->flows.size(); i += 2) {
    kept_ids.push_back(result->flows[i].flow_id);
  }
  absl::StatusOr<gong::upstream::GetFlowStepsResult> share =
      gong::upstream::DecodeGetFlowStepsResponse(
          gong::upstream::KeepFlowSteps(body, kept_ids));
  FUZZ_CHECK(share.ok());
  FUZZ_CHECK(share->request_id == result->request_id);
  size_t expected = 0;
  for (const gong::upstream::FlowWithSteps& flow : result->flows) {
    for (const std::string& id : kept_ids) {
      if (flow.flow_id == id) {
        FUZZ_CHECK(expected < share->flows.size());
        FUZZ_CHECK(share->flows[expected].flow_id == flow.flow_id);
        FUZZ_CHECK(share->flows[expected].steps.size() == flow.steps.size());
        ++expected;
        break;
      }
    }
  }
  FUZZ_CHECK(share->flows.size() == expected);
}

void FuzzFolderPageToken(absl::string_view token) {
  gong::upstream::ListFlowFoldersParams filters;
  filters.owner_email = "ana@example.com";
  filters.parent_folder_id = "7";
  absl::StatusOr<std::string> cursor =
      gong::api::internal::DecodePageToken(token, filters);
  if (!cursor.ok()) {
    FUZZ_CHECK(cursor.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(!cursor->empty() && cursor->size() <= gong::api::internal::kMaxCursorBytes);
  gong::upstream::ListFlowFoldersParams other = filters;
  other.parent_folder_id = "";
  FUZZ_CHECK(!gong::api::internal::DecodePageToken(token, other).ok());
  // No folders' token is ever a flows' one.
  gong::upstream::ListFlowsParams flows;
  flows.flow_owner_email = "ana@example.com";
  FUZZ_CHECK(!gong::api::internal::DecodePageToken(token, flows).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Mod 8 keeps the first five readers on the bytes the corpus names them
  // by (0 to 4).
  switch (data[0] % 8) {
    case 0:
      FuzzLookup(rest);
      break;
    case 1:
      FuzzListing(rest);
      break;
    case 2:
      FuzzAssign(rest);
      break;
    case 3:
      FuzzUnassignByCrmId(rest);
      break;
    case 4:
      FuzzPageToken(rest);
      break;
    case 5:
      FuzzFolders(rest);
      break;
    case 6:
      FuzzSteps(rest);
      break;
    default:
      FuzzFolderPageToken(rest);
      break;
  }
  return 0;
}
