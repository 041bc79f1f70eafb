// What the gRPC face reports about each call, for metrics and logs. The
// face knows nothing of Prometheus or log formats; tests pass their own.
#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_request.h"

namespace gong::api {

struct CallRecord {
  absl::string_view service;  // "gong.flows.v1.FlowService"
  absl::string_view method;   // "UnassignByInstanceIds"
  grpc::StatusCode code = grpc::StatusCode::OK;
  absl::Duration duration;
  size_t ids = 0;               // distinct ids asked for (0 when invalid)
  std::string gong_request_id;  // when Gong answered with one
  std::string peer;             // the caller's address
  // Who called: the caller's name from --caller_tokens_file, "unnamed" for
  // a caller without one (a bare token, or no tokens at all), and
  // "unauthenticated" for a call refused for its token. Bounded: a label.
  std::string caller = "unnamed";
  // With mutual TLS: the client certificate's SPIFFE id, else subject CN.
  std::string peer_identity;
  // From the caller's metadata, checked (a mesh's W3C traceparent, its
  // x-request-id): empty when absent or not valid.
  std::string trace_id;
  std::string x_request_id;
  // From the caller's x-gong-flows-priority (api/call_priority.h):
  // interactive when absent; nullopt when the header was not valid (the
  // call was refused for it).
  std::optional<upstream::Priority> priority = upstream::Priority::kInteractive;
  // What of Gong's answer could not be read and was left unset (a date
  // that is not RFC 3339, say): the call succeeded, but this is logged.
  std::vector<std::string> answer_warnings;
  // A write's idempotency key, as it went: empty without a key; "claimed"
  // (sent under the key), "replayed" (the kept answer), "settled" (Gong's
  // state read after a lost answer; also without a key), "settling",
  // "key_reused", "key_in_use", "invalid_key", "store_unavailable".
  std::string idempotency;
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Once the call's caller is known (authentication is the first step, so
  // before anything else happens): `record` has the service, the method,
  // the caller and the peer, nothing of the outcome yet.
  virtual void CallStarted(const CallRecord& record) = 0;
  virtual void CallFinished(const CallRecord& record) = 0;

  // The bulk assignments watched (bulk_assignment_watches.h): `delta` more
  // watchers (fewer when negative), and one poll of a job that ended with
  // `outcome`: "changed", "unchanged", "transient_error" (polled again),
  // "final_error" and "refused" (the day's budget; both end the watches),
  // "cancelled" (no watcher left). Observers that count neither ignore them.
  virtual void BulkWatchersChanged(int delta) {}
  virtual void BulkPollEnded(absl::string_view outcome) {}
};

}  // namespace gong::api
