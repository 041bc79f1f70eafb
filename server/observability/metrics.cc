#include "observability/metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/call_priority.h"
#include "api/grpc_code_names.h"
#include "api/status_mapping.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace gong::observability {
namespace {

// Latency buckets from 1 ms to 60 s: local answers take milliseconds, calls
// waiting for Gong's quota take seconds.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
// A reservation takes well under a millisecond in a cluster; 0.1 s is the
// limit past which Redis counts as down.
const prometheus::Histogram::BucketBoundaries kRedisBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1};
const prometheus::Histogram::BucketBoundaries kBatchBuckets = {1,  2,   5,   10, 20,
                                                               50, 100, 150, 200};

prometheus::MetricFamily Single(const std::string& name, const std::string& help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

// 1 for the backend the quota's slots come from now, 0 for the other.
prometheus::MetricFamily Backend(absl::string_view now) {
  prometheus::MetricFamily family;
  family.name = "gong_quota_backend";
  family.help =
      "Where the quota's slots come from: \"redis\" (the company's window, shared by "
      "every replica) or \"local\" (this replica's own: no --quota_redis, or Redis "
      "out and --quota_fallback_qps in force).";
  family.type = prometheus::MetricType::Gauge;
  for (const char* backend : {"redis", "local"}) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"backend", backend});
    metric.gauge.value = now == backend ? 1 : 0;
    family.metric.push_back(std::move(metric));
  }
  return family;
}

// The steward's refusals since start, by the ErrorInfo reason callers got
// (api/status_mapping.h): every reason, those not seen yet at 0.
prometheus::MetricFamily Refusals(const quota::QuotaSteward::Stats& stats) {
  prometheus::MetricFamily family;
  family.name = "gong_quota_refusals_total";
  family.help =
      "Calls the quota steward refused without sending them to Gong, by the reason "
      "the caller got (QUOTA_QUEUE_FULL, QUOTA_WAIT_EXCEEDS_DEADLINE, "
      "DAILY_BUDGET_RESERVED, GONG_DAILY_LIMIT_REACHED).";
  family.type = prometheus::MetricType::Counter;
  for (size_t i = 0; i < stats.refusals.size(); ++i) {
    const quota::QuotaRefusal refusal{static_cast<quota::QuotaRefusal::Reason>(i),
                                      absl::Milliseconds(1)};
    prometheus::ClientMetric metric;
    metric.label.push_back({"reason", std::string(api::MapQuotaRefusal(refusal).reason)});
    metric.counter.value = static_cast<double>(stats.refusals[i]);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

// Calls waiting for their turn, by the priority they wait with.
prometheus::MetricFamily QueueLength(const quota::QuotaSteward::Stats& stats) {
  prometheus::MetricFamily family;
  family.name = "gong_quota_queue_length";
  family.help =
      "Calls waiting for their turn under Gong's rate limit, by priority "
      "(x-gong-flows-priority): interactive calls go first.";
  family.type = prometheus::MetricType::Gauge;
  for (const auto& [priority, waiting] :
       {std::pair{upstream::Priority::kInteractive, stats.waiting_interactive},
        std::pair{upstream::Priority::kBackground, stats.waiting_background}}) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"priority", std::string(api::PriorityName(priority))});
    metric.gauge.value = static_cast<double>(waiting);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

// Reads the steward's stats at scrape time, so they are never stale and
// the steward needs no metrics code of its own.
class Metrics::QuotaCollectable final : public prometheus::Collectable {
 public:
  void Watch(std::function<quota::QuotaSteward::Stats()> stats) {
    absl::MutexLock lock(&mu_);
    stats_ = std::move(stats);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::function<quota::QuotaSteward::Stats()> stats;
    {
      absl::MutexLock lock(&mu_);
      stats = stats_;
    }
    if (!stats) return {};
    const quota::QuotaSteward::Stats s = stats();
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> families = {
        Single("gong_quota_waiting_calls",
               "Calls waiting for their turn under Gong's rate limit.", MetricType::Gauge,
               s.waiting_calls),
        Single("gong_upstream_requests_in_flight",
               "Gong requests awaiting their answer (at most --max_gong_in_flight).",
               MetricType::Gauge, s.gong_requests_in_flight),
        Single("gong_upstream_requests_today",
               "Gong requests this UTC day (Gong's default daily limit is 10,000).",
               MetricType::Gauge, s.gong_requests_today),
        Single("gong_upstream_retries_total",
               "Gong requests sent again after a 429, a 503, a connection never made, "
               "or a request Gong refused unprocessed.",
               MetricType::Counter, s.retries),
        Backend(s.backend),
        Single("gong_upstream_split_requests_total",
               "Gong requests for a part of a coalesced request Gong refused (400, 404, "
               "409, 422), sent so that each caller gets its own answer.",
               MetricType::Counter, s.split_requests),
        Refusals(s),
        QueueLength(s),
    };
    // Without a daily limit there is no budget: no series, rather than a
    // number that would read as one.
    if (s.daily_budget_left.has_value()) {
      families.push_back(Single(
          "gong_daily_budget_left",
          "Gong requests left this UTC day under --gong_daily_limit (the company's "
          "with --quota_redis, else this replica's); background calls stop at "
          "--daily_reserve, every call at 0.",
          MetricType::Gauge, static_cast<double>(*s.daily_budget_left)));
    }
    return families;
  }

 private:
  mutable absl::Mutex mu_;
  std::function<quota::QuotaSteward::Stats()> stats_ ABSL_GUARDED_BY(mu_);
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      quota_(std::make_shared<QuotaCollectable>()),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(*registry_)),
      handled_(
          prometheus::BuildCounter()
              .Name("grpc_server_handled_total")
              .Help("RPCs completed on the server, regardless of success or failure.")
              .Register(*registry_)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Response latency of RPCs handled by the server.")
                            .Register(*registry_)),
      upstream_requests_(
          prometheus::BuildCounter()
              .Name("gong_upstream_requests_total")
              .Help("Gong requests by endpoint (its path) and HTTP status (\"error\": "
                    "no answer).")
              .Register(*registry_)),
      upstream_seconds_(prometheus::BuildHistogram()
                            .Name("gong_upstream_request_seconds")
                            .Help("Time from sending a Gong request to its answer.")
                            .Register(*registry_)
                            .Add({}, kSecondsBuckets)),
      batch_ids_(prometheus::BuildHistogram()
                     .Name("gong_upstream_request_ids")
                     .Help("Distinct ids per Gong request (coalesced batch size).")
                     .Register(*registry_)
                     .Add({}, kBatchBuckets)),
      redis_seconds_(prometheus::BuildHistogram()
                         .Name("gong_quota_redis_seconds")
                         .Help("Time to reserve a send slot in the company's window in "
                               "Redis (over --quota_redis); past 0.1 s Redis counts as "
                               "down.")
                         .Register(*registry_)
                         .Add({}, kRedisBuckets)),
      redis_errors_(prometheus::BuildCounter()
                        .Name("gong_quota_redis_errors_total")
                        .Help("Redis commands of the shared quota that failed, timed out "
                              "or found Redis unreachable.")
                        .Register(*registry_)
                        .Add({})),
      idempotent_calls_(
          prometheus::BuildCounter()
              .Name("gong_idempotent_calls_total")
              .Help("Writes that carried an idempotency-key (or were settled without "
                    "one), by method and what became of the key: claimed, replayed, "
                    "settled, settling, key_reused, key_in_use, key_in_doubt, "
                    "invalid_key, store_unavailable.")
              .Register(*registry_)),
      keys_evicted_(prometheus::BuildCounter()
                        .Name("gong_idempotency_keys_evicted_total")
                        .Help("Idempotency keys dropped from memory, oldest first, to "
                              "stay within --idempotency_max_keys.")
                        .Register(*registry_)
                        .Add({})),
      bulk_watchers_(prometheus::BuildGauge()
                         .Name("gong_bulk_watchers")
                         .Help("WatchBulkAssignment streams open on this replica.")
                         .Register(*registry_)
                         .Add({})),
      bulk_polls_(prometheus::BuildCounter()
                      .Name("gong_bulk_polls_total")
                      .Help("Polls of watched bulk assignments (one a job, whatever its "
                            "watchers), by outcome: changed, unchanged, transient_error "
                            "(polled again), final_error and refused (the day's budget; "
                            "both end the job's streams), cancelled (no watcher left).")
                      .Register(*registry_)) {}

Metrics::~Metrics() = default;

absl::Status Metrics::Serve(const std::string& address) {
  absl::StatusOr<std::unique_ptr<internal::MetricsHttpServer>> server =
      internal::MetricsHttpServer::Start(address, [this] {
        std::vector<prometheus::MetricFamily> families = registry_->Collect();
        for (prometheus::MetricFamily& family : quota_->Collect()) {
          families.push_back(std::move(family));
        }
        return internal::MetricsHttpServer::Page{
            "text/plain; version=0.0.4; charset=utf-8",
            prometheus::TextSerializer().Serialize(families)};
      });
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  return absl::OkStatus();
}

int Metrics::port() const { return server_ == nullptr ? 0 : server_->port(); }

void Metrics::StopServing() {
  server_.reset();
  quota_->Watch(nullptr);
}

void Metrics::WatchQuota(std::function<quota::QuotaSteward::Stats()> stats) {
  quota_->Watch(std::move(stats));
}

Metrics::MethodSeries& Metrics::SeriesOf(absl::string_view service,
                                         absl::string_view method) {
  auto [it, added] = methods_[service].try_emplace(method);
  MethodSeries& series = it->second;
  if (!added) return series;
  series.handling_seconds =
      &handling_seconds_.Add({{"grpc_type", "unary"},
                              {"grpc_service", std::string(service)},
                              {"grpc_method", std::string(method)}},
                             kSecondsBuckets);
  return series;
}

Metrics::CallerSeries& Metrics::CallerSeriesOf(MethodSeries& method,
                                               const api::CallRecord& record) {
  auto [it, added] = method.callers.try_emplace(record.caller);
  CallerSeries& series = it->second;
  if (!added) return series;
  series.started = &started_.Add({{"grpc_type", "unary"},
                                  {"grpc_service", std::string(record.service)},
                                  {"grpc_method", std::string(record.method)},
                                  {"caller", record.caller}});
  return series;
}

void Metrics::CallStarted(const api::CallRecord& record) {
  absl::MutexLock lock(&series_mu_);
  CallerSeriesOf(SeriesOf(record.service, record.method), record).started->Increment();
}

void Metrics::CallFinished(const api::CallRecord& record) {
  absl::MutexLock lock(&series_mu_);
  MethodSeries& method = SeriesOf(record.service, record.method);
  CallerSeries& series = CallerSeriesOf(method, record);
  prometheus::Counter*& handled = series.handled[static_cast<int>(record.code)];
  if (handled == nullptr) {
    handled =
        &handled_.Add({{"grpc_type", "unary"},
                       {"grpc_service", std::string(record.service)},
                       {"grpc_method", std::string(record.method)},
                       {"caller", record.caller},
                       {"grpc_code", std::string(api::CamelCodeName(record.code))}});
  }
  handled->Increment();
  method.handling_seconds->Observe(absl::ToDoubleSeconds(record.duration));
  // A few series a method: prometheus-cpp's own lookup is cheap enough for
  // the writes that carry a key.
  if (!record.idempotency.empty()) {
    idempotent_calls_
        .Add({{"method", std::string(record.method)}, {"outcome", record.idempotency}})
        .Increment();
  }
}

void Metrics::IdempotencyKeyEvicted() { keys_evicted_.Increment(); }

void Metrics::BulkWatchersChanged(int delta) { bulk_watchers_.Increment(delta); }

// A handful of outcomes, polled every few seconds a job: the series is
// looked up each time (the call counters' cache is for every call).
void Metrics::BulkPollEnded(absl::string_view outcome) {
  bulk_polls_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void Metrics::UpstreamRequest(absl::string_view endpoint, int http_status,
                              absl::Duration duration, size_t ids) {
  {
    absl::MutexLock lock(&series_mu_);
    prometheus::Counter*& requests = upstream_requests_by_[endpoint][http_status];
    if (requests == nullptr) {
      requests = &upstream_requests_.Add(
          {{"endpoint", std::string(endpoint)},
           {"status",
            http_status == 0 ? std::string("error") : absl::StrCat(http_status)}});
    }
    requests->Increment();
  }
  upstream_seconds_.Observe(absl::ToDoubleSeconds(duration));
  batch_ids_.Observe(static_cast<double>(ids));
}

void Metrics::RedisAnswered(absl::Duration latency) {
  redis_seconds_.Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RedisFailed() { redis_errors_.Increment(); }

}  // namespace gong::observability
