// The production CallObserver: counts each call in the metrics (when there
// are any) and writes one JSON log line per finished call.
#pragma once

#include "api/call_observer.h"
#include "observability/metrics.h"

namespace gong::observability {

class CallReporter final : public api::CallObserver {
 public:
  explicit CallReporter(Metrics* metrics) : metrics_(metrics) {}  // may be null

  void CallStarted(const api::CallRecord& record) override;
  // Logs method, code, duration_ms, ids, gong_request_id, peer, caller,
  // priority ("interactive", "background", or "invalid" for a header the
  // call was refused for) and, when the call had them, peer_identity,
  // trace_id and x_request_id: never the request's ids themselves, nor its
  // email.
  void CallFinished(const api::CallRecord& record) override;
  // Metrics only: a poll is not a call, and its Gong request has its own
  // log line.
  void BulkWatchersChanged(int delta) override {
    if (metrics_ != nullptr) metrics_->BulkWatchersChanged(delta);
  }
  void BulkPollEnded(absl::string_view outcome) override {
    if (metrics_ != nullptr) metrics_->BulkPollEnded(outcome);
  }

 private:
  Metrics* const metrics_;
};

}  // namespace gong::observability
