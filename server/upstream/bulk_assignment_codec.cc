#include "upstream/bulk_assignment_codec.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "upstream/gong_json.h"
#include "upstream/json_fields.h"

namespace gong::upstream {
namespace {

using internal::json::FieldReader;
using internal::json::Json;

struct StateName {
  BulkAssignmentState state;
  absl::string_view name;
};

constexpr StateName kStateNames[] = {
    {BulkAssignmentState::kPending, "PENDING"},
    {BulkAssignmentState::kInProgress, "IN_PROGRESS"},
    {BulkAssignmentState::kCompleted, "COMPLETED"},
    {BulkAssignmentState::kFailed, "FAILED"},
};

struct StatusName {
  BulkProspectStatus status;
  absl::string_view name;
};

constexpr StatusName kStatusNames[] = {
    {BulkProspectStatus::kAssigned, "ASSIGNED"},
    {BulkProspectStatus::kFlowAssignmentFailed, "FLOW_ASSIGNMENT_FAILED"},
    {BulkProspectStatus::kCrmOperationFailed, "CRM_OPERATION_FAILED"},
};

BulkAssignmentState StateFromText(absl::string_view text) {
  for (const StateName& entry : kStateNames) {
    if (entry.name == text) return entry.state;
  }
  return BulkAssignmentState::kUnspecified;
}

BulkProspectStatus StatusFromText(absl::string_view text) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.name == text) return entry.status;
  }
  return BulkProspectStatus::kUnspecified;
}

// Gong's names of a prospect's fields, in the order it documents them.
struct ProspectField {
  absl::string_view json_name;
  std::string BulkProspect::*member;
};

const ProspectField kProspectFields[] = {
    {"crmId", &BulkProspect::crm_id},
    {"firstName", &BulkProspect::first_name},
    {"lastName", &BulkProspect::last_name},
    {"email", &BulkProspect::email},
    {"jobTitle", &BulkProspect::job_title},
    {"linkedInUrl", &BulkProspect::linkedin_url},
    {"accountCrmId", &BulkProspect::account_crm_id},
    {"companyName", &BulkProspect::company_name},
};

Json EncodeProspect(const BulkProspect& prospect) {
  Json value = Json::object();
  for (const ProspectField& field : kProspectFields) {
    // An empty field is one not given: sent as "", Gong could take it for
    // a value (a blank email, a blank company).
    const std::string& text = prospect.*field.member;
    if (!text.empty()) value[std::string(field.json_name)] = text;
  }
  return value;
}

// The prospect "as sent" in a result. Only informative: a field of the
// wrong type is "" with a warning, and a prospect that is not an object
// reads as empty with a warning, since the item's status and ids are what
// a caller acts on.
BulkProspect DecodeProspect(const FieldReader& item, std::vector<std::string>* warnings) {
  BulkProspect prospect;
  const Json* value = item.Find("prospect");
  if (value == nullptr) return prospect;
  if (!value->is_object()) {
    item.Warn(absl::StrCat(item.Path("prospect"), " is not an object (",
                           internal::json::Excerpt(*value), ")"));
    return prospect;
  }
  const FieldReader fields(*value, item.Path("prospect"), warnings);
  for (const ProspectField& field : kProspectFields) {
    // crmId and accountCrmId are ids: Gong may write them as numbers.
    const bool is_id = field.json_name == "crmId" || field.json_name == "accountCrmId";
    prospect.*field.member = is_id ? fields.OptionalId(field.json_name)
                                   : fields.OptionalString(field.json_name);
  }
  return prospect;
}

absl::StatusOr<BulkAssignmentResultItem> DecodeItem(const Json& value, std::string where,
                                                    std::vector<std::string>* warnings) {
  if (!value.is_object()) {
    return absl::DataLossError(absl::StrCat(where, " is not an object"));
  }
  const FieldReader fields(value, std::move(where), warnings);
  BulkAssignmentResultItem item;
  item.prospect = DecodeProspect(fields, warnings);
  // An unknown status is Gong's vocabulary growing, not a fault: no warning.
  item.status = StatusFromText(fields.OptionalString("status"));
  item.crm_id = fields.OptionalId("crmId");
  item.flow_instance_id = fields.OptionalId("flowInstanceId");
  item.error_code = fields.OptionalString("errorCode");
  item.error_message = fields.OptionalString("errorMessage");
  return item;
}

absl::Status DecodeItems(const Json& body, BulkAssignmentResult* result) {
  constexpr absl::string_view kField = "results";
  auto list = body.find(std::string(kField));
  // A job not yet started has no results: absent or null, there are none.
  if (list == body.end() || list->is_null()) return absl::OkStatus();
  if (!list->is_array()) {
    return absl::DataLossError(
        absl::StrCat(kField, " is not an array (", internal::json::Excerpt(*list), ")"));
  }
  result->results.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    absl::StatusOr<BulkAssignmentResultItem> item =
        DecodeItem((*list)[i], absl::StrCat(kField, "[", i, "]"), &result->warnings);
    if (!item.ok()) return item.status();
    result->results.push_back(*std::move(item));
  }
  return absl::OkStatus();
}

// RFC 3986 percent-encoding of one path segment: everything but the
// unreserved characters, so that no id can add a segment ("/", "..") or a
// query ("?") to the path.
std::string EncodePathSegment(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '_' || c == '~' ||
        (c == '.' && text != "." && text != "..")) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

}  // namespace

bool IsFinal(BulkAssignmentState state) {
  return state == BulkAssignmentState::kCompleted ||
         state == BulkAssignmentState::kFailed;
}

absl::string_view BulkAssignmentStateName(BulkAssignmentState state) {
  for (const StateName& entry : kStateNames) {
    if (entry.state == state) return entry.name;
  }
  return "";
}

absl::string_view BulkProspectStatusName(BulkProspectStatus status) {
  for (const StatusName& entry : kStatusNames) {
    if (entry.status == status) return entry.name;
  }
  return "";
}

std::string EncodeStartBulkAssignmentBody(const StartBulkAssignmentParams& params) {
  Json prospects = Json::array();
  for (const BulkProspect& prospect : params.prospects) {
    prospects.push_back(EncodeProspect(prospect));
  }
  const Json body = {
      {"flowId", params.flow_id},
      {"flowInstanceOwnerEmail", params.owner_email},
      {"prospects", std::move(prospects)},
  };
  return internal::json::Serialize(body);
}

GongRequest EncodeStartBulkAssignment(const StartBulkAssignmentParams& params,
                                      absl::Time deadline) {
  GongRequest gong;
  gong.method = "POST";
  gong.path = std::string(kBulkAssignmentsPath);
  gong.json_body = EncodeStartBulkAssignmentBody(params);
  gong.deadline = deadline;
  // Sent twice, it submits two jobs.
  gong.idempotency = Idempotency::kNotIdempotent;
  gong.items = params.prospects.size();
  return gong;
}

GongRequest EncodeGetBulkAssignment(const GetBulkAssignmentParams& params,
                                    absl::Time deadline) {
  GongRequest gong;
  gong.method = "GET";
  gong.path = absl::StrCat(kBulkAssignmentsPath, "/",
                           EncodePathSegment(params.bulk_assignment_id));
  // Logs and metrics name the endpoint, not the job: ids are unbounded.
  gong.endpoint = absl::StrCat(kBulkAssignmentsPath, "/{id}");
  gong.deadline = deadline;
  // A read: a retry after a lost answer cannot change anything at Gong.
  gong.idempotency = Idempotency::kIdempotent;
  gong.items = 0;  // one job, named in the path
  return gong;
}

absl::StatusOr<BulkAssignmentResult> DecodeBulkAssignmentResponse(
    absl::string_view body) {
  absl::StatusOr<Json> body_json = internal::json::Parse(body);
  if (!body_json.ok()) return body_json.status();
  const Json& parsed = *body_json;
  if (!parsed.is_object()) return absl::DataLossError("body is not a JSON object");

  BulkAssignmentResult result;
  const FieldReader fields(parsed, "", &result.warnings);
  absl::StatusOr<std::string> request_id = fields.RequiredId("requestId");
  if (!request_id.ok()) return request_id.status();
  result.request_id = *std::move(request_id);
  // Without its id a job cannot be asked about again.
  absl::StatusOr<std::string> id = fields.RequiredId("id");
  if (!id.ok()) return id.status();
  if (id->empty()) return absl::DataLossError("id is empty");
  result.bulk_assignment_id = *std::move(id);
  // Without its state nobody can tell whether the job has ended.
  const Json* status = fields.Find("status");
  if (status == nullptr || !status->is_string()) {
    return absl::DataLossError(absl::StrCat(
        "status is missing or not a string",
        status == nullptr ? ""
                          : absl::StrCat(" (", internal::json::Excerpt(*status), ")")));
  }
  result.state = StateFromText(status->get_ref<const std::string&>());
  if (result.state == BulkAssignmentState::kUnspecified) {
    result.warnings.push_back(absl::StrCat("status is not a state this facade knows (",
                                           internal::json::Excerpt(*status), ")"));
  }
  result.total_count = fields.OptionalCount("totalCount");
  result.processed_count = fields.OptionalCount("processedCount");
  result.succeeded_count = fields.OptionalCount("successCount");
  result.failed_count = fields.OptionalCount("failedCount");
  if (absl::Status s = DecodeItems(parsed, &result); !s.ok()) return s;
  return result;
}

}  // namespace gong::upstream
