// Paging as Gong's listings do it (`GET /v2/flows`, `GET /v2/flows/folders`):
// pages numbered from 0, a cursor only while more pages exist, sent back as
// the `cursor` query parameter, and the `records` object that says so.
// Internal to the sandbox.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"

namespace gong::sandbox::internal {

// The parameter's single value; absent is empty. A parameter given twice is
// refused: which one Gong would take is anyone's guess.
absl::StatusOr<std::string> Param(const QueryParams& params, const std::string& name);

// The cursor of `page` of the list `list_key` names (its endpoint and
// filters), opaque and URL-safe; the sandbox keeps no state for it.
std::string MakeCursor(int64_t page, absl::string_view list_key);

// The page `cursor` names. InvalidArgument (the 400's text) when it is not
// one of ours, or was issued for another list: a client that lost track of
// which list it pages is refused rather than answered with another's page.
// `filters` names them for that text.
absl::StatusOr<int64_t> PageOfCursor(absl::string_view cursor, absl::string_view list_key,
                                     absl::string_view filters);

// Where page `page` of `total` items starts and ends, `page_size` a page.
// Past the end (the list may have shrunk since the cursor) is an empty page.
struct PageSpan {
  size_t begin = 0;
  size_t end = 0;
};
PageSpan SpanOfPage(int64_t page, size_t total, int page_size);

// `records{totalRecords, currentPageSize, currentPageNumber, cursor?}` for
// that page of the list `list_key`.
nlohmann::json Records(int64_t page, const PageSpan& span, size_t total,
                       absl::string_view list_key);

}  // namespace gong::sandbox::internal
