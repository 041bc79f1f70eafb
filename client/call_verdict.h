// What a many-id run does with a call that failed: send it again (the
// facade or Gong surely did nothing), settle it first (a write Gong may
// have carried out), or give its ids up with the reason. Read from the
// status's code and its rich details (ErrorInfo, RetryInfo), as the
// contract's status table describes them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace gong::cli {

enum class Verdict {
  kResend,   // refused before anything was done: safe to send again
  kInDoubt,  // no answer, and the facade or Gong may have acted
  kFinal,    // refused for good (an invalid id, no rights, ...)
};

struct FailureVerdict {
  Verdict verdict = Verdict::kFinal;
  // The status's RetryInfo, when it has one: never send again sooner.
  std::optional<absl::Duration> retry_after;
  // ErrorInfo's reason, or the code's name when there is no ErrorInfo.
  std::string reason;
  // ErrorInfo's gong_request_id: Gong answered, and counted the call.
  std::string gong_request_id;
  // The facade's own refusal of a request (INVALID_REQUEST, never sent):
  // the entries of a repeated field its BadRequest names ("ids[3]"), by
  // index, with what is wrong. The request's other entries may be fine.
  std::map<size_t, std::string> bad_entries;
};

FailureVerdict JudgeFailure(const grpc::Status& status);

}  // namespace gong::cli
