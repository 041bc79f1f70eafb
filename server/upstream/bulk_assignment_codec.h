// The codec of Gong's bulk assignments: POST
// /v2/flows/prospects/bulk-assignments (start a job: a write) and GET
// /v2/flows/prospects/bulk-assignments/{id} (read a job). Both answer a job
// in one shape. Its plain C++ request and result, the GongRequests that
// carry them, and the reading of Gong's answer. No gRPC types here.
//
// A job is Gong's only asynchronous flows operation: the start answers 202
// with the job PENDING, and the job's state then moves on in Gong's time.
// Starting twice submits two jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_request.h"

namespace gong::upstream {

inline constexpr absl::string_view kBulkAssignmentsPath =
    "/v2/flows/prospects/bulk-assignments";
// Gong takes at most this many prospects a job.
inline constexpr size_t kMaxProspectsPerBulkAssignment = 50;

// A prospect of a job: crm_id, or first and last name (Gong then creates
// the prospect in the CRM). "" = not sent.
struct BulkProspect {
  std::string crm_id;
  std::string first_name;
  std::string last_name;
  std::string email;
  std::string job_title;
  std::string linkedin_url;
  std::string account_crm_id;
  std::string company_name;
};

struct StartBulkAssignmentParams {
  std::string flow_id;
  std::string owner_email;              // flowInstanceOwnerEmail
  std::vector<BulkProspect> prospects;  // 1..kMaxProspectsPerBulkAssignment
};

struct GetBulkAssignmentParams {
  std::string bulk_assignment_id;
};

// Where a job is. Gong may add states; one this code does not know reads
// as kUnspecified (never as an end).
enum class BulkAssignmentState { kUnspecified, kPending, kInProgress, kCompleted, kFailed };

// Whether `state` is one a job never leaves.
bool IsFinal(BulkAssignmentState state);

// Gong's spelling of a state ("PENDING"...); "" for kUnspecified.
absl::string_view BulkAssignmentStateName(BulkAssignmentState state);

// What became of one prospect. Unknown text reads as kUnspecified.
enum class BulkProspectStatus {
  kUnspecified,
  kAssigned,
  kFlowAssignmentFailed,
  kCrmOperationFailed,
};

// Gong's spelling of a status ("ASSIGNED"...); "" for kUnspecified.
absl::string_view BulkProspectStatusName(BulkProspectStatus status);

struct BulkAssignmentResultItem {
  BulkProspect prospect;  // as sent
  BulkProspectStatus status = BulkProspectStatus::kUnspecified;
  std::string crm_id;
  std::string flow_instance_id;
  std::string error_code;
  std::string error_message;
};

// The answer of both endpoints: a job as Gong reports it.
struct BulkAssignmentResult {
  std::string request_id;
  std::string bulk_assignment_id;  // Gong's "id"
  BulkAssignmentState state = BulkAssignmentState::kUnspecified;
  int64_t total_count = 0;
  int64_t processed_count = 0;
  int64_t succeeded_count = 0;  // Gong's "successCount"
  int64_t failed_count = 0;
  std::vector<BulkAssignmentResultItem> results;
  // What was read with loss but not refused, in words for logs.
  std::vector<std::string> warnings;
};

// The POST starting a job: a write, due at `deadline`. Only the prospects'
// fields that are set are sent.
GongRequest EncodeStartBulkAssignment(const StartBulkAssignmentParams& params,
                                      absl::Time deadline);
std::string EncodeStartBulkAssignmentBody(const StartBulkAssignmentParams& params);

// The GET of a job: a read (safe to retry), due at `deadline`; the id goes
// into the path percent-encoded.
GongRequest EncodeGetBulkAssignment(const GetBulkAssignmentParams& params,
                                    absl::Time deadline);

// A 200's or 202's body: {"requestId", "id", "status", "totalCount",
// "processedCount", "successCount", "failedCount", "results": [{"prospect":
// {...}, "status", "crmId", "flowInstanceId", "errorCode",
// "errorMessage"}]}. requestId, id and status are required (a job without
// its id or state says nothing a caller can follow); results absent or null
// reads as none. As every codec reads (json_fields.h): unknown fields are
// ignored, ids are never read through a double, and any other shape is an
// error whose message names the field.
absl::StatusOr<BulkAssignmentResult> DecodeBulkAssignmentResponse(
    absl::string_view body);

}  // namespace gong::upstream
