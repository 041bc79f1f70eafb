#include "gong/list_flows_codec.h"

#include <cstddef>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gong/gong_json.h"
#include "gong/gong_time.h"

namespace gong {
namespace {

using json::Json;

// A date Gong wrote is quoted in warnings, which go to logs: escaped, so no
// byte of it can break a log line, and cut short, so no answer can flood one.
constexpr size_t kMaxQuotedDate = 64;

// The member `key` of `object`, or nullptr when it is absent or null: Gong
// may write an optional field either way.
const Json* Member(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// Sets `out` from the optional string member `key`; `where` names it.
absl::Status ReadText(const Json& object, const char* key, absl::string_view where,
                      std::string* out) {
  const Json* value = Member(object, key);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) {
    return absl::DataLossError(absl::StrCat(where, " is not a string"));
  }
  *out = value->get<std::string>();
  return absl::OkStatus();
}

// Sets `out` from the optional id member `key`, every digit kept when Gong
// sent the id as a JSON number.
absl::Status ReadId(const Json& object, const char* key, absl::string_view where,
                    std::string* out) {
  const Json* value = Member(object, key);
  if (value == nullptr) return absl::OkStatus();
  if (!json::IdText(*value, out)) {
    return absl::DataLossError(
        absl::StrCat(where, " is neither a string nor an integer"));
  }
  return absl::OkStatus();
}

// Sets `out` from the optional count member `key`: an integer that fits 64
// bits (a float or a larger number is no count Gong would write).
absl::Status ReadCount(const Json& object, const char* key, absl::string_view where,
                       int64_t* out) {
  const Json* value = Member(object, key);
  if (value == nullptr) return absl::OkStatus();
  const bool fits = value->is_number_integer() &&
                    (!value->is_number_unsigned() ||
                     value->get<uint64_t>() <=
                         static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!fits) return absl::DataLossError(absl::StrCat(where, " is not a 64-bit integer"));
  *out = value->get<int64_t>();
  return absl::OkStatus();
}

// Gong's spelling of each kind, exactly as its API description lists them.
FlowVisibility VisibilityFromText(absl::string_view text) {
  if (text == "Company") return FlowVisibility::kCompany;
  if (text == "Personal") return FlowVisibility::kPersonal;
  if (text == "Shared") return FlowVisibility::kShared;
  return FlowVisibility::kUnspecified;
}

absl::Status ReadRecords(const Json& body, ListFlowsResult* result) {
  const Json* records = Member(body, "records");
  // Without records there is no telling whether more pages follow.
  if (records == nullptr || !records->is_object()) {
    return absl::DataLossError("records is missing or not an object");
  }
  if (absl::Status s = ReadCount(*records, "totalRecords", "records.totalRecords",
                                 &result->total_records);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadCount(*records, "currentPageSize", "records.currentPageSize",
                                 &result->page_size);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadCount(*records, "currentPageNumber",
                                 "records.currentPageNumber", &result->page_number);
      !s.ok()) {
    return s;
  }
  // Gong leaves the cursor out on the last page.
  return ReadText(*records, "cursor", "records.cursor", &result->next_cursor);
}

// The creation date of flows[i], or a warning when there is none to read.
void ReadCreationDate(const Json& flow, absl::string_view where, Flow* out,
                      std::vector<std::string>* warnings) {
  const std::string field = absl::StrCat(where, ".creationDate");
  const Json* value = Member(flow, "creationDate");
  if (value == nullptr) {
    warnings->push_back(absl::StrCat(field, " (flow ", out->flow_id, ") is missing"));
    return;
  }
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (std::optional<absl::Time> time = ParseGongTime(text); time.has_value()) {
      out->create_time = *time;
      return;
    }
  }
  const std::string shown =
      value->is_string() ? value->get<std::string>() : value->dump();
  warnings->push_back(
      absl::StrCat(field, " (flow ", out->flow_id, ") \"",
                   absl::CHexEscape(absl::string_view(shown).substr(0, kMaxQuotedDate)),
                   shown.size() > kMaxQuotedDate ? "..." : "",
                   "\" is not an ISO-8601 date with a UTC offset; left unset"));
}

absl::Status ReadFlow(const Json& flow, size_t i, Flow* out,
                      std::vector<std::string>* warnings) {
  const std::string where = absl::StrCat("flows[", i, "]");
  if (!flow.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  // A flow without its id cannot be named in any later request.
  const Json* id = Member(flow, "id");
  if (id == nullptr || !json::IdText(*id, &out->flow_id)) {
    return absl::DataLossError(
        absl::StrCat(where, ".id is missing or neither a string nor an integer"));
  }
  if (absl::Status s = ReadText(flow, "name", absl::StrCat(where, ".name"), &out->name);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ReadId(flow, "folderId", absl::StrCat(where, ".folderId"), &out->folder_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadText(flow, "folderName", absl::StrCat(where, ".folderName"),
                                &out->folder_name);
      !s.ok()) {
    return s;
  }
  std::string visibility;
  if (absl::Status s =
          ReadText(flow, "visibility", absl::StrCat(where, ".visibility"), &visibility);
      !s.ok()) {
    return s;
  }
  out->visibility = VisibilityFromText(visibility);
  if (const Json* exclusive = Member(flow, "exclusive"); exclusive != nullptr) {
    if (!exclusive->is_boolean()) {
      return absl::DataLossError(absl::StrCat(where, ".exclusive is not a boolean"));
    }
    out->exclusive = exclusive->get<bool>();
  }
  ReadCreationDate(flow, where, out, warnings);
  return absl::OkStatus();
}

}  // namespace

GongRequest EncodeListFlows(const ListFlowsQuery& query, absl::Time deadline) {
  GongRequest gong;
  gong.method = "GET";
  gong.path = std::string(kListFlowsPath);
  // Gong requires the owner: sending it even when empty lets Gong's 400 say
  // so, should a caller skip validation.
  gong.query.emplace_back("flowOwnerEmail", query.flow_owner_email);
  if (!query.workspace_id.empty()) {
    gong.query.emplace_back("workspaceId", query.workspace_id);
  }
  if (!query.folder_id.empty()) {
    gong.query.emplace_back("folderId", query.folder_id);
  }
  // false is Gong's default; leaving it out keeps the URL to what was asked.
  if (query.most_recently_assigned) {
    gong.query.emplace_back("mostRecentlyAssigned", "true");
  }
  if (!query.cursor.empty()) {
    gong.query.emplace_back("cursor", query.cursor);
  }
  gong.deadline = deadline;
  // A read: a retry after a lost answer cannot change anything at Gong.
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = 0;  // it carries no ids
  return gong;
}

absl::StatusOr<ListFlowsResult> DecodeListFlowsResponse(absl::string_view body) {
  const Json parsed = json::Parse(body);
  if (parsed.is_discarded()) return absl::DataLossError("body is not JSON");
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  ListFlowsResult result;
  if (const Json* id = Member(parsed, "requestId"); id != nullptr) {
    if (!json::IdText(*id, &result.request_id)) {
      return absl::DataLossError("requestId is not a string");
    }
  }
  if (absl::Status s = ReadRecords(parsed, &result); !s.ok()) return s;
  // An answer without the list cannot be told from a truncated one, so it is
  // refused rather than read as an empty page.
  const Json* flows = Member(parsed, "flows");
  if (flows == nullptr || !flows->is_array()) {
    return absl::DataLossError("flows is missing or not an array");
  }
  result.flows.resize(flows->size());
  for (size_t i = 0; i < flows->size(); ++i) {
    if (absl::Status s = ReadFlow((*flows)[i], i, &result.flows[i], &result.warnings);
        !s.ok()) {
      return s;
    }
  }
  return result;
}

ListFlowsOutcome DecodeListFlowsOutcome(GongOutcome outcome) {
  if (auto* error = std::get_if<GongError>(&outcome)) return std::move(*error);
  absl::StatusOr<ListFlowsResult> decoded =
      DecodeListFlowsResponse(std::get<GongAnswer>(outcome).body);
  if (decoded.ok()) return *std::move(decoded);
  return GongError::MalformedAnswer(200, std::string(decoded.status().message()));
}

}  // namespace gong
