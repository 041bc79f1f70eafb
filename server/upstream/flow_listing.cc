#include "upstream/flow_listing.h"

#include "absl/strings/str_cat.h"
#include "upstream/json_fields.h"

namespace gong::upstream::internal {

using json::FieldReader;
using json::Json;

absl::Status ReadListingRecords(const Json& body, ListingRecords* records,
                                std::vector<std::string>* warnings) {
  auto found = body.find("records");
  if (found == body.end() || !found->is_object()) {
    return absl::DataLossError("records is missing or not an object");
  }
  const FieldReader fields(*found, "records", warnings);
  records->total_records = fields.OptionalCount("totalRecords");
  records->page_size = fields.OptionalCount("currentPageSize");
  records->page_number = fields.OptionalCount("currentPageNumber");
  // Gong leaves the cursor out on the last page.
  if (const Json* cursor = fields.Find("cursor"); cursor != nullptr) {
    if (!cursor->is_string()) {
      return absl::DataLossError(
          absl::StrCat("records.cursor is not a string (", json::Excerpt(*cursor), ")"));
    }
    records->next_cursor = cursor->get<std::string>();
  }
  return absl::OkStatus();
}

FlowVisibility VisibilityFromGong(absl::string_view text) {
  if (text == "Company") return FlowVisibility::kCompany;
  if (text == "Personal") return FlowVisibility::kPersonal;
  if (text == "Shared") return FlowVisibility::kShared;
  return FlowVisibility::kUnspecified;
}

}  // namespace gong::upstream::internal
