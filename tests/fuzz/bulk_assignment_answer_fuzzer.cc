// Fuzzes how a bulk assignment job's answer is read (the start's 202 and
// the job's GET share one shape), through Gong's answer as the client reads
// it, and how a job's id is put into the GET's path.
//
// Input: a first byte choosing the reader (odd: the id), then its input: a
// body, or a bulk_assignment_id.
//
// Invariants beyond "no crash":
// - a body read as a job has its id and requestId, and every warning names
//   its field, short and printable ASCII (warnings go to logs);
// - counts are what Gong wrote or 0, never garbage, and a result's status
//   and the job's state are ones the codec names, or unspecified;
// - a 202 with a body the codec refuses is a malformed answer saying 202;
// - any id stays inside one path segment: the path is the jobs' path, "/",
//   and only unreserved characters or percent escapes, never "." or "..".
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz_check.h"
#include "upstream/bulk_assignment_codec.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_result.h"

namespace {

constexpr size_t kMaxWarningBytes = 400;

void CheckWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    FUZZ_CHECK(!warning.empty() && warning.size() <= kMaxWarningBytes);
    for (unsigned char c : warning) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  }
}

void FuzzAnswer(absl::string_view body) {
  using gong::upstream::BulkAssignmentResult;
  absl::StatusOr<BulkAssignmentResult> job =
      gong::upstream::DecodeBulkAssignmentResponse(body);
  gong::upstream::GongAnswer answer{std::string(body)};
  answer.http_status = 202;
  const gong::upstream::GongResult<BulkAssignmentResult> outcome =
      gong::upstream::DecodeOutcome(gong::upstream::GongOutcome(std::move(answer)),
                                    gong::upstream::DecodeBulkAssignmentResponse);
  if (!job.ok()) {
    FUZZ_CHECK(!job.status().message().empty());
    const auto* error = std::get_if<gong::upstream::GongError>(&outcome);
    FUZZ_CHECK(error != nullptr);
    FUZZ_CHECK(error->kind == gong::upstream::GongError::Kind::kMalformedAnswer);
    FUZZ_CHECK(error->http_status == 202);
    return;
  }
  FUZZ_CHECK(std::holds_alternative<BulkAssignmentResult>(outcome));
  FUZZ_CHECK(!job->bulk_assignment_id.empty());
  CheckWarnings(job->warnings);
  FUZZ_CHECK(job->state == gong::upstream::BulkAssignmentState::kUnspecified ||
             !gong::upstream::BulkAssignmentStateName(job->state).empty());
  for (const gong::upstream::BulkAssignmentResultItem& item : job->results) {
    FUZZ_CHECK(item.status == gong::upstream::BulkProspectStatus::kUnspecified ||
               !gong::upstream::BulkProspectStatusName(item.status).empty());
  }
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

void FuzzId(absl::string_view id) {
  const gong::upstream::GongRequest request =
      gong::upstream::EncodeGetBulkAssignment({std::string(id)}, absl::InfiniteFuture());
  absl::string_view path = request.path;
  FUZZ_CHECK(absl::ConsumePrefix(&path, gong::upstream::kBulkAssignmentsPath));
  FUZZ_CHECK(absl::ConsumePrefix(&path, "/"));
  FUZZ_CHECK(path != "." && path != "..");
  FUZZ_CHECK(path.size() >= id.size());
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      FUZZ_CHECK(i + 2 < path.size() && IsHex(path[i + 1]) && IsHex(path[i + 2]));
      i += 2;
      continue;
    }
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    FUZZ_CHECK(unreserved);
  }
  FUZZ_CHECK(request.endpoint == "/v2/flows/prospects/bulk-assignments/{id}");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 1) {
    FuzzId(rest);
  } else {
    FuzzAnswer(rest);
  }
  return 0;
}
