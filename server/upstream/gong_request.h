// One request to Gong's REST API, of any endpoint: what the quota steward
// queues and the Gong client sends. Each endpoint's codec builds its
// requests (unassign_by_instance_ids_codec.h); above this layer nothing knows Gong's
// paths or JSON.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace gong::upstream {

// Whether sending a request twice is harmless, which decides what may be
// retried after a failure that leaves Gong's action unknown.
enum class Idempotency {
  kIdempotent,     // a read: a second attempt changes nothing
  kNotIdempotent,  // a write: an attempt that got no answer may have acted
};

// One call a request is sent on behalf of, as the facade's own log names
// it: who called, and the ids the caller's mesh gave the call (checked;
// empty when absent).
struct CallTag {
  std::string caller;
  std::string trace_id;
  std::string x_request_id;
};

// Whose turn comes first in the quota steward's queue: an interactive call
// (a person or a trigger waiting on it) is never queued behind background
// work (bulk jobs, nightly reconciliations), which also stops first when
// the day's budget runs low. From the call's x-gong-flows-priority.
enum class Priority {
  kInteractive,
  kBackground,
};

struct GongRequest {
  std::string method = "POST";
  std::string path;  // under the base URL, such as "/v2/flows"
  // The endpoint's name for logs and metrics when `path` holds more than
  // the codec's constant (a job's id): a bounded label. "" = `path`.
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>>
      query;              // percent-encoded by the client
  std::string json_body;  // empty: none
  // The request fails as timed out at this instant.
  absl::Time deadline = absl::InfiniteFuture();
  Idempotency idempotency = Idempotency::kNotIdempotent;
  size_t items = 0;  // ids (or other items) it carries, for the size metric
  // The calls it serves, in arrival order: one, or every call of a merged
  // request. For the facade's log only: the client sends none of it (the
  // caller's trace is the caller's, and Gong's request is the facade's).
  std::vector<CallTag> calls;
  // For the quota steward: which queue it waits in, and whose turn it is
  // within that queue (the caller's name where callers are named, else its
  // connection's address), so that callers take turns. Gong sees neither.
  Priority priority = Priority::kInteractive;
  std::string queue_key;
};

}  // namespace gong::upstream
