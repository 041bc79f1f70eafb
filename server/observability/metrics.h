// The facade's Prometheus metrics, served in text format at /metrics.
//
// Server metrics use the names and labels existing gRPC dashboards expect
// (grpc_server_started_total, grpc_server_handled_total with grpc_code
// names such as "InvalidArgument", grpc_server_handling_seconds); the call
// counters add the caller's name (`caller`: a name from the tokens file,
// "unnamed" or "unauthenticated", so as many series as the file has
// names), which sums away on those dashboards. Upstream
// metrics describe the Gong requests; quota gauges are read from the
// steward at scrape time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/call_observer.h"
#include "observability/metrics_http_server.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "quota/quota_steward.h"
#include "quota/shared_window.h"

namespace gong::observability {

class Metrics final : public quota::SharedWindowObserver {
 public:
  Metrics();
  ~Metrics() override;

  // Serves /metrics on `address` (HOST:PORT, port 0 picks one).
  absl::Status Serve(const std::string& address);
  int port() const;  // the bound port once serving, else 0
  // Stops serving and forgets the quota source: call before that source
  // (the steward) goes away.
  void StopServing();

  // The quota steward's numbers, read at each scrape.
  void WatchQuota(std::function<quota::QuotaSteward::Stats()> stats);

  // For the gRPC face.
  void CallStarted(const api::CallRecord& record);
  void CallFinished(const api::CallRecord& record);

  // For the Gong client: one request to `endpoint` (its path, such as
  // "/v2/flows") answered (`http_status`) or not (0), how long it took, and
  // how many ids it carried.
  void UpstreamRequest(absl::string_view endpoint, int http_status,
                       absl::Duration duration, size_t ids);

  // For the idempotency keys kept in memory: one key evicted for room.
  void IdempotencyKeyEvicted();

  // For the watched bulk assignments: `delta` more watchers (fewer when
  // negative), and one poll that ended with `outcome` (api/call_observer.h
  // lists them: a bounded label).
  void BulkWatchersChanged(int delta);
  void BulkPollEnded(absl::string_view outcome);

  // For the shared quota's window (--quota_redis).
  void RedisAnswered(absl::Duration latency) override;
  void RedisFailed() override;

  prometheus::Registry& registry() { return *registry_; }

 private:
  class QuotaCollectable;
  // A method's series. prometheus-cpp finds a series by building and
  // hashing its label map under its family's lock, allocating each time,
  // four times a call
  // (docs/performance.md#hand-offs-taken-out-and-what-each-bought). Each
  // series is looked up once and kept here.
  // One caller's counters of a method.
  struct CallerSeries {
    prometheus::Counter* started = nullptr;
    absl::flat_hash_map<int, prometheus::Counter*> handled;  // by grpc code
  };
  struct MethodSeries {
    // Not by caller: a histogram is a series a bucket, and durations are
    // the method's, not the caller's.
    prometheus::Histogram* handling_seconds = nullptr;
    absl::flat_hash_map<std::string, CallerSeries> callers;
  };
  MethodSeries& SeriesOf(absl::string_view service, absl::string_view method)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(series_mu_);
  // The counters of `record`'s caller in `method` (its method's).
  CallerSeries& CallerSeriesOf(MethodSeries& method, const api::CallRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(series_mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<QuotaCollectable> quota_;
  std::unique_ptr<internal::MetricsHttpServer> server_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Counter>& upstream_requests_;
  prometheus::Histogram& upstream_seconds_;
  prometheus::Histogram& batch_ids_;
  prometheus::Histogram& redis_seconds_;
  prometheus::Counter& redis_errors_;
  prometheus::Family<prometheus::Counter>& idempotent_calls_;
  prometheus::Counter& keys_evicted_;
  prometheus::Gauge& bulk_watchers_;
  prometheus::Family<prometheus::Counter>& bulk_polls_;

  absl::Mutex series_mu_;
  // By service, then method.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, MethodSeries>>
      methods_ ABSL_GUARDED_BY(series_mu_);
  // gong_upstream_requests_total by endpoint, then HTTP status (0: none).
  absl::flat_hash_map<std::string, absl::flat_hash_map<int, prometheus::Counter*>>
      upstream_requests_by_ ABSL_GUARDED_BY(series_mu_);
};

}  // namespace gong::observability
