// What Gong's two listings (GET /v2/flows and GET /v2/flows/folders) share,
// read one way for both (not part of the Gong layer's API): the paging
// `records` object and the spelling of a visibility.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "upstream/gong_json.h"
#include "upstream/list_flows_codec.h"

namespace gong::upstream::internal {

struct ListingRecords {
  std::string next_cursor;  // "" on the last page
  int64_t total_records = 0;
  int64_t page_size = 0;
  int64_t page_number = 0;
};

// `body`'s records{totalRecords, currentPageSize, currentPageNumber,
// cursor?}. Missing, or not an object, or a cursor that is not a string, it
// is an error: without it there is no telling whether more pages follow,
// and a cursor misread as "none" would end a listing early without a word.
// The counts are optional (0 with a warning when unreadable).
absl::Status ReadListingRecords(const json::Json& body, ListingRecords* records,
                                std::vector<std::string>* warnings);

// Gong's spelling of each kind, exactly as its API description lists them;
// any other is kUnspecified, so a new kind cannot break a listing.
FlowVisibility VisibilityFromGong(absl::string_view text);

}  // namespace gong::upstream::internal
