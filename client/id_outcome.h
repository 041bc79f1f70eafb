// What became of one id of a many-id command: the words --results and the
// summary use, and which of them are final (a resumed run sends the others
// again, or looks them up first).
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::cli {

enum class IdOutcome {
  kSending,  // sent, no answer yet: in doubt if the run stops here
  // Sent, and refused before anything was done (the steward's RetryInfo,
  // the day's budget), when the run stopped before sending it again: a
  // resumed run sends it again at once, with no lookup.
  kNotSent,
  kUnassigned,     // unassign, unassign-crm: Gong removed it
  kStillAssigned,  // unassign: Gong answered and the instance is still open
  kAssigned,       // assign: Gong put the prospect in the flow
  kNotAssigned,    // assign: Gong refused the prospect (its error code given)
  kFound,          // prospects get: Gong answered for it
  kNotFound,       // prospects get: Gong knows nothing of it
  kUnknown,        // a write in doubt Gong's state cannot settle (assign)
  kFailed,         // refused for good (an invalid id, a failure not retried)
};

// "sending", "not_sent", "unassigned", "still_assigned", "assigned", "not_assigned",
// "found", "not_found", "unknown", "failed".
absl::string_view OutcomeName(IdOutcome outcome);
std::optional<IdOutcome> OutcomeFromName(absl::string_view name);

// Whether a resumed run leaves the id alone: every outcome but kSending
// and kNotSent.
inline bool IsFinal(IdOutcome outcome) {
  return outcome != IdOutcome::kSending && outcome != IdOutcome::kNotSent;
}

// One line of --results.
struct IdResult {
  std::string id;
  IdOutcome outcome = IdOutcome::kSending;
  std::string request_id;  // Gong's, when it answered
  std::string reason;      // the error's reason (ErrorInfo, or Gong's code)
  // kSending: the idempotency key of the call that carries the id, so that
  // a resumed run sends the same call again with the same key.
  std::string key = {};
};

}  // namespace gong::cli
