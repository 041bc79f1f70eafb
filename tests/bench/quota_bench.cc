// quota_bench: how well the facade shares Gong's quota. For each number of
// concurrent single-id callers, with coalescing on and off, it runs closed
// loops of calls through the real facade against the sandbox Gong limited
// to 3 calls a second (as Gong is), and prints ids delivered per second,
// Gong requests per second, latency percentiles and errors by code. A
// benchmark, not a test: it asserts nothing. The ceiling is 600 ids a
// second (3 requests of 200 ids).
//
// With --lookups=P, P percent of the calls (at random) are GetProspectFlows
// lookups of one instance id instead of unassigns: both kinds take their
// turns in the one window, each merging with its own kind.
//
// With --replicas=N, N facades share the sandbox, each caller calling one of
// them in turn, as replicas behind a load balancer: with --redis they
// share one window in Redis (a fresh quota key per row), without it each
// keeps its own 3 a second and Gong answers the excess with 429.
//
//   quota_bench [--callers=1,10,100,1000] [--coalescing=on,off] [--seconds=10s]
//               [--warmup=2s] [--lookups=0] [--replicas=1]
//               [--redis=redis://HOST:PORT] [--json_out=FILE]
#include <curl/curl.h>
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_code_names.h"
#include "app/facade_server.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "sandbox/sandbox_gong.h"

ABSL_FLAG(std::string, callers, "1,10,100,1000", "Concurrent callers per scenario.");
ABSL_FLAG(absl::Duration, seconds, absl::Seconds(10), "Measured time per scenario.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "Unmeasured time first.");
// The benchmark's own flag names differ from the server's (--coalesce,
// --quota_redis): it links gong_app, whose flags.cc defines those.
ABSL_FLAG(std::string, coalescing, "on,off",
          "The server's --coalesce settings to run: on, off or both.");
ABSL_FLAG(
    std::string, lookups, "0",
    "Percentages of calls that are lookups (GetProspectFlows) rather than unassigns, "
    "one row each: 0, 50, ...");
ABSL_FLAG(int, replicas, 1, "Facades sharing the sandbox (and the quota with --redis).");
ABSL_FLAG(std::string, redis, "",
          "redis://HOST:PORT: the replicas share the quota there (the server's "
          "--quota_redis).");
ABSL_FLAG(std::string, json_out, "", "Also write the rows to this file as JSON.");

namespace {

using gong::flows::v1::FlowService;
using gong::flows::v1::GetProspectFlowsRequest;
using gong::flows::v1::GetProspectFlowsResponse;
using gong::flows::v1::UnassignByInstanceIdsRequest;
using gong::flows::v1::UnassignByInstanceIdsResponse;

constexpr int kGongQps = 3;

struct Sample {
  absl::Duration latency;
  grpc::StatusCode code;
};

struct Row {
  int callers;
  bool coalesce;
  int lookup_percent;
  double lookup_requests_per_second;  // of the Gong requests, the lookups
  double ids_per_second;
  double gong_requests_per_second;
  double calls_per_second;
  absl::Duration p50, p99;
  int ok;
  std::map<grpc::StatusCode, int> errors;
};

// How long the status asks the caller to wait, if it says.
absl::Duration RetryDelay(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return absl::ZeroDuration();
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&retry)) {
      return absl::Seconds(retry.retry_delay().seconds()) +
             absl::Nanoseconds(retry.retry_delay().nanos());
    }
  }
  return absl::ZeroDuration();
}

absl::Duration Percentile(std::vector<absl::Duration>* v, double p) {
  if (v->empty()) return absl::ZeroDuration();
  const size_t i = std::min(v->size() - 1, static_cast<size_t>(p * v->size()));
  std::nth_element(v->begin(), v->begin() + i, v->end());
  return (*v)[i];
}

Row RunScenario(int callers, bool coalesce, int lookup_percent, absl::Duration warmup,
                absl::Duration measured) {
  gong::sandbox::Options sandbox_options;
  sandbox_options.behavior.qps_limit = kGongQps;
  sandbox_options.behavior.retry_after_seconds = 1;
  gong::sandbox::SandboxGong sandbox(sandbox_options);
  if (!sandbox.Start().ok()) std::abort();

  gong::app::FacadeConfig config;
  config.listen = "127.0.0.1:0";
  config.metrics_listen = "";
  config.gong_base_url = sandbox.base_url();
  config.quota.gong_qps = kGongQps;
  config.quota.coalesce = coalesce;
  config.quota_redis = absl::GetFlag(FLAGS_redis);
  // Each row a window of its own: no row inherits the last one's sends.
  static int row_number = 0;
  config.quota_key = absl::StrCat("quota_bench:", getpid(), ":", ++row_number);
  std::vector<std::unique_ptr<gong::app::FacadeServer>> facades;
  std::vector<std::unique_ptr<FlowService::Stub>> stubs;
  for (int r = 0; r < std::max(1, absl::GetFlag(FLAGS_replicas)); ++r) {
    auto facade = gong::app::FacadeServer::Start(
        config, gong::upstream::GongCredentials::Bearer("bench"));
    if (!facade.ok()) {
      std::fprintf(stderr, "%s\n", facade.status().ToString().c_str());
      std::abort();
    }
    stubs.push_back(FlowService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*facade)->port()),
                            grpc::InsecureChannelCredentials())));
    facades.push_back(*std::move(facade));
  }

  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + warmup;
  const absl::Time stop = measure_from + measured;
  std::atomic<int64_t> requests_at_start{-1};
  absl::Mutex mu;
  std::vector<Sample> samples;
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      FlowService::Stub* stub = stubs[c % stubs.size()].get();
      std::minstd_rand random(c + 1);
      std::uniform_int_distribution<int> percent(0, 99);
      for (int64_t k = 0;; ++k) {
        const absl::Time began = absl::Now();
        if (began >= stop) return;
        const std::string id = absl::StrCat(c + 1, "00000", k);
        sandbox.Assign({id});
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(began + absl::Seconds(10)));
        grpc::Status status;
        if (percent(random) < lookup_percent) {
          GetProspectFlowsRequest request;
          request.add_flow_instance_ids(id);
          GetProspectFlowsResponse response;
          status = stub->GetProspectFlows(&context, request, &response);
        } else {
          UnassignByInstanceIdsRequest request;
          request.add_flow_instance_ids(id);
          UnassignByInstanceIdsResponse response;
          status = stub->UnassignByInstanceIds(&context, request, &response);
        }
        const absl::Time ended = absl::Now();
        if (ended >= measure_from && ended < stop) {
          absl::MutexLock lock(&mu);
          samples.push_back({ended - began, status.error_code()});
        }
        // A well-behaved caller waits as long as it is told to.
        if (!status.ok())
          absl::SleepFor(std::max(RetryDelay(status), absl::Milliseconds(50)));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& facade : facades) facade->Shutdown(absl::Seconds(1));

  Row row{callers,
          coalesce,
          lookup_percent,
          0,
          0,
          0,
          samples.size() / absl::ToDoubleSeconds(measured),
          {},
          {},
          0,
          {}};
  std::vector<absl::Duration> latencies;
  for (const Sample& s : samples) {
    latencies.push_back(s.latency);
    if (s.code == grpc::StatusCode::OK) {
      ++row.ok;
    } else {
      ++row.errors[s.code];
    }
  }
  // Rates from the Gong requests the sandbox received in the measured
  // period. Requests come in bursts, so counting them over a fixed period
  // is off by up to a burst; instead the rate is the limit N over the mean
  // time from each request to the N-th after it, exact for a steady stream.
  // (Every id is assigned, so each id sent is an id delivered; a lookup's
  // ids are in a body of the same key.)
  std::vector<absl::Time> times;
  int64_t ids = 0;
  int64_t lookups = 0;
  for (const auto& r : sandbox.Requests()) {
    if (r.received < measure_from || r.received >= stop) continue;
    times.push_back(r.received);
    if (r.path == "/v2/flows/prospects") ++lookups;
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_object() && body.contains("flowInstanceIds")) {
      ids += body["flowInstanceIds"].size();
    }
  }
  if (times.size() > kGongQps) {
    absl::Duration lag_sum;
    for (size_t i = 0; i + kGongQps < times.size(); ++i) {
      lag_sum += times[i + kGongQps] - times[i];
    }
    const double mean_lag = absl::ToDoubleSeconds(lag_sum) / (times.size() - kGongQps);
    row.gong_requests_per_second = kGongQps / mean_lag;
    row.ids_per_second = row.gong_requests_per_second * ids / times.size();
    row.lookup_requests_per_second =
        row.gong_requests_per_second * lookups / times.size();
  }
  row.p50 = Percentile(&latencies, 0.50);
  row.p99 = Percentile(&latencies, 0.99);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  // As in server/app/main.cc: Debian's abseil leaves the deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Held for the whole run, never shut down: each scenario starts its own
  // facade and channel, and had gRPC shut down each time the last of them
  // went, the callback threads still finishing their calls would race the
  // shutdown (seen as crashes on a busy machine).
  grpc_init();
  absl::ParseCommandLine(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<int> callers;
  for (absl::string_view n : absl::StrSplit(absl::GetFlag(FLAGS_callers), ',')) {
    int v;
    if (absl::SimpleAtoi(n, &v) && v > 0) callers.push_back(v);
  }
  std::vector<bool> coalesce_settings;
  for (absl::string_view c : absl::StrSplit(absl::GetFlag(FLAGS_coalescing), ',')) {
    if (c == "on" || c == "off") coalesce_settings.push_back(c == "on");
  }
  nlohmann::json json_rows = nlohmann::json::array();
  std::printf("Sandbox Gong at %d calls/s; ceiling %d ids/s. %s measured per row.\n",
              kGongQps, kGongQps * 200,
              absl::FormatDuration(absl::GetFlag(FLAGS_seconds)).c_str());
  const int replicas = std::max(1, absl::GetFlag(FLAGS_replicas));
  const std::string redis = absl::GetFlag(FLAGS_redis);
  std::printf("%d replica%s, %s.\n\n", replicas, replicas == 1 ? "" : "s",
              redis.empty() ? "each with its own window"
                            : absl::StrCat("sharing the window in ", redis).c_str());
  std::vector<int> lookup_percents;
  for (absl::string_view p : absl::StrSplit(absl::GetFlag(FLAGS_lookups), ',')) {
    int v;
    if (absl::SimpleAtoi(p, &v) && v >= 0 && v <= 100) lookup_percents.push_back(v);
  }
  std::printf(
      "| callers | coalesce | lookups | ids/s | %% of 600 | Gong requests/s (lookups) | "
      "p50 "
      "| p99 | errors |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (int lookup_percent : lookup_percents) {
    for (bool coalesce : coalesce_settings) {
      for (int n : callers) {
        const Row row =
            RunScenario(n, coalesce, lookup_percent, absl::GetFlag(FLAGS_warmup),
                        absl::GetFlag(FLAGS_seconds));
        std::string errors;
        for (const auto& [code, count] : row.errors) {
          absl::StrAppend(&errors, errors.empty() ? "" : ", ",
                          gong::api::CanonicalCodeName(code), " ", count);
        }
        std::printf(
            "| %d | %s | %d%% | %.1f | %.1f%% | %.2f (%.2f) | %s | %s | %s |\n",
            row.callers, row.coalesce ? "on" : "off", row.lookup_percent,
            row.ids_per_second, 100.0 * row.ids_per_second / (kGongQps * 200),
            row.gong_requests_per_second, row.lookup_requests_per_second,
            absl::FormatDuration(absl::Trunc(row.p50, absl::Milliseconds(1))).c_str(),
            absl::FormatDuration(absl::Trunc(row.p99, absl::Milliseconds(1))).c_str(),
            errors.empty() ? "none" : errors.c_str());
        std::fflush(stdout);
        nlohmann::json outcomes = {{"OK", row.ok}};
        for (const auto& [code, count] : row.errors)
          outcomes[std::string(gong::api::CanonicalCodeName(code))] = count;
        json_rows.push_back(
            {{"callers", row.callers},
             {"coalesce", row.coalesce},
             {"lookup_percent", row.lookup_percent},
             {"lookup_requests_per_second", row.lookup_requests_per_second},
             {"ids_per_second", row.ids_per_second},
             {"gong_requests_per_second", row.gong_requests_per_second},
             {"calls_per_second", row.calls_per_second},
             {"p50_us", absl::ToDoubleMicroseconds(row.p50)},
             {"p99_us", absl::ToDoubleMicroseconds(row.p99)},
             {"outcomes", outcomes}});
      }
    }
  }
  if (!absl::GetFlag(FLAGS_json_out).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_json_out)) << json_rows.dump(2) << "\n";
  }
  return 0;
}
