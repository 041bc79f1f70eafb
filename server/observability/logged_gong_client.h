// A GongClient decorator that writes one log line per request to Gong, so
// that a caller can learn which Gong request served a call and what Gong
// said: the endpoint, the HTTP status (or the failure that left none),
// Gong's requestId and X-Traceid, the duration, and the calls the request
// carried (how many; their callers, trace ids and x-request-ids, at most
// kMaxListedPerLine of each). It sits right in front of the REST client,
// under the quota steward, so every request sent is a line: a retry and each
// part of a split merged request too.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/log.h"
#include "upstream/gong_client.h"

namespace gong::observability {

// The most values a line lists in each of callers, trace_ids and
// x_request_ids; how many more there were is counted in <list>_left_out.
inline constexpr size_t kMaxListedPerLine = 20;

class LoggedGongClient final : public upstream::GongClient {
 public:
  // Owns `inner`, which is handed each request without its calls' tags
  // (nothing of the callers' traces is Gong's to see).
  explicit LoggedGongClient(std::unique_ptr<upstream::GongClient> inner)
      : inner_(std::move(inner)) {}

  CallId Send(upstream::GongRequest request, Callback done) override;
  void Cancel(CallId id) override { inner_->Cancel(id); }

 private:
  const std::unique_ptr<upstream::GongClient> inner_;
};

namespace internal {

// The fields of the line of a request to `endpoint` on behalf of `calls`
// that ended in `outcome` after `duration`.
base::LogFields GongRequestFields(absl::string_view endpoint,
                                  const std::vector<upstream::CallTag>& calls,
                                  const upstream::GongOutcome& outcome,
                                  absl::Duration duration);

}  // namespace internal
}  // namespace gong::observability
