#include "sandbox/sandbox_paging.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gong::sandbox::internal {
namespace {

constexpr absl::string_view kCursorVersion = "sbx1";

}  // namespace

absl::StatusOr<std::string> Param(const QueryParams& params, const std::string& name) {
  const size_t count = params.count(name);
  if (count > 1) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is given more than once"));
  }
  return count == 0 ? "" : params.find(name)->second;
}

std::string MakeCursor(int64_t page, absl::string_view list_key) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kCursorVersion, "|", page, "|", list_key));
}

absl::StatusOr<int64_t> PageOfCursor(absl::string_view cursor, absl::string_view list_key,
                                     absl::string_view filters) {
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
  if (parts[2] != list_key) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid cursor: it was issued for another ", filters));
  }
  return page;
}

PageSpan SpanOfPage(int64_t page, size_t total, int page_size) {
  const size_t size = static_cast<size_t>(std::max(page_size, 1));
  PageSpan span;
  // A page beyond the number of items is past the end whatever the page
  // size, and checking it first keeps page * size from overflowing.
  span.begin = static_cast<uint64_t>(page) > total
                   ? total
                   : std::min(total, static_cast<size_t>(page) * size);
  span.end = std::min(total, span.begin + size);
  return span;
}

nlohmann::json Records(int64_t page, const PageSpan& span, size_t total,
                       absl::string_view list_key) {
  nlohmann::json records = {{"totalRecords", total},
                            {"currentPageSize", span.end - span.begin},
                            {"currentPageNumber", page}};
  if (span.end < total) records["cursor"] = MakeCursor(page + 1, list_key);
  return records;
}

}  // namespace gong::sandbox::internal
