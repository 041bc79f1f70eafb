// Fuzzes how the flows endpoints' 200 bodies are read (the lookup, the
// listing, assign and unassign by CRM id), and ListFlows's page tokens,
// which callers send back and may have mangled.
//
// Input: a first byte choosing the reader (mod 5), then its input: a body
// for the four decoders, a page token for the fifth.
//
// Invariants beyond "no crash":
// - a lookup's answer, written back in Gong's shape, reads as the same
//   instances (EncodeFlowInstance of each is unchanged);
// - every warning names its field by path and stays short and printable
//   ASCII (warnings go to logs, and Gong's text in them is an excerpt);
// - a page token is read only when it is one of ours for these filters: its
//   cursor is non-empty and bounded, re-encoding it gives a token that reads
//   the same, and the same token under other filters is refused.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "api/page_token.h"
#include "fuzz_check.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/get_prospect_flows_codec.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
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
    default:
      FuzzPageToken(rest);
      break;
  }
  return 0;
}
