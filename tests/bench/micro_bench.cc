// Google Benchmark micro-benchmarks for the per-call CPU path: request
// validation, Gong request encoding, decoding Gong's answer with 200 ids,
// building the response, mapping an error to a status with details,
// reporting a finished call (its log line, its metrics), and what a write's
// idempotency key adds (its request's fingerprint, the record's encoding
// both ways, a claim and its end in the memory store, a replay).
// Figures only; nothing is asserted. ctest runs a smoke pass.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "api/request_fingerprint.h"
#include "api/request_validation.h"
#include "api/status_mapping.h"
#include "api/unassign_by_instance_ids_reactor.h"
#include "base/clock.h"
#include "idempotency/idempotency_keys.h"
#include "idempotency/memory_key_store.h"
#include "observability/call_reporter.h"
#include "observability/metrics.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::bench {
namespace {

flows::v1::UnassignByInstanceIdsRequest RequestWith(int ids) {
  flows::v1::UnassignByInstanceIdsRequest request;
  for (int i = 0; i < ids; ++i)
    request.add_flow_instance_ids(absl::StrCat(234599484848423 + i));
  request.set_unassigned_by_user_email("jane.doe@example.com");
  return request;
}

void BM_Validate(benchmark::State& state) {
  const auto request = RequestWith(static_cast<int>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(api::ValidateUnassignByInstanceIds(request));
}
BENCHMARK(BM_Validate)->Arg(1)->Arg(200);

void BM_EncodeGongRequest(benchmark::State& state) {
  const upstream::UnassignByInstanceIdsParams request =
      api::ValidateUnassignByInstanceIds(RequestWith(static_cast<int>(state.range(0))))
          .request;
  for (auto _ : state)
    benchmark::DoNotOptimize(upstream::EncodeUnassignByInstanceIdsBody(request));
}
BENCHMARK(BM_EncodeGongRequest)->Arg(1)->Arg(200);

std::string AnswerWith(int ids) {
  std::string body =
      R"({"requestId":"4al018gzaztcr8nbukw","unassignedFlowInstanceIds":[)";
  for (int i = 0; i < ids; ++i) {
    absl::StrAppend(&body, i == 0 ? "" : ",", "\"", 234599484848423 + i, "\"");
  }
  return body + "]}";
}

void BM_DecodeGongAnswer(benchmark::State& state) {
  const std::string body = AnswerWith(static_cast<int>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(upstream::DecodeUnassignByInstanceIdsResponse(body));
}
BENCHMARK(BM_DecodeGongAnswer)->Arg(1)->Arg(200);

void BM_FillResponse(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> requested =
      api::ValidateUnassignByInstanceIds(RequestWith(n)).request.flow_instance_ids;
  const upstream::UnassignByInstanceIdsResult result =
      *upstream::DecodeUnassignByInstanceIdsResponse(AnswerWith(n / 2 + 1));
  for (auto _ : state) {
    flows::v1::UnassignByInstanceIdsResponse response;
    api::FillResponse(requested, result, &response);
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_FillResponse)->Arg(1)->Arg(200);

void BM_MapErrorWithDetails(benchmark::State& state) {
  const upstream::GongError error = upstream::GongError::HttpStatus(
      429, "4al018gzaztcr8nbukw", {"API request limit exceeded"}, absl::Seconds(2));
  for (auto _ : state) benchmark::DoNotOptimize(api::GongErrorToStatus(error));
}
BENCHMARK(BM_MapErrorWithDetails);

api::CallRecord FinishedCall() {
  api::CallRecord record;
  record.service = "gong.flows.v1.FlowService";
  record.method = "UnassignByInstanceIds";
  record.peer = "ipv4:10.1.2.3:45678";
  record.code = grpc::StatusCode::OK;
  record.duration = absl::Microseconds(1234);
  record.ids = 1;
  record.gong_request_id = "4al018gzaztcr8nbukw";
  return record;
}

// The call's log line, written to /dev/null: its cost is building it.
void BM_CallLogLine(benchmark::State& state) {
  const int saved = dup(STDERR_FILENO);
  const int null = open("/dev/null", O_WRONLY);
  dup2(null, STDERR_FILENO);
  observability::CallReporter reporter(/*metrics=*/nullptr);
  const api::CallRecord record = FinishedCall();
  for (auto _ : state) reporter.CallFinished(record);
  dup2(saved, STDERR_FILENO);
  close(null);
  close(saved);
}
BENCHMARK(BM_CallLogLine);

void BM_CallMetrics(benchmark::State& state) {
  observability::Metrics metrics;
  const api::CallRecord record = FinishedCall();
  for (auto _ : state) {
    metrics.CallStarted(record);
    metrics.CallFinished(record);
  }
}
BENCHMARK(BM_CallMetrics);

void BM_RequestFingerprint(benchmark::State& state) {
  const auto request = RequestWith(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(api::RequestFingerprint("UnassignByInstanceIds", request));
  }
}
BENCHMARK(BM_RequestFingerprint)->Arg(1)->Arg(200);

// A kept answer of 200 ids, as a replay reads it back.
idempotency::Record DoneRecord() {
  flows::v1::UnassignByInstanceIdsResponse response;
  api::FillResponse(
      api::ValidateUnassignByInstanceIds(RequestWith(200)).request.flow_instance_ids,
      *upstream::DecodeUnassignByInstanceIdsResponse(AnswerWith(200)), &response);
  idempotency::Record record;
  record.state = idempotency::Record::State::kDone;
  record.fingerprint = api::RequestFingerprint("UnassignByInstanceIds", RequestWith(200));
  record.outcome.response = response.SerializeAsString();
  return record;
}

void BM_EncodeRecord(benchmark::State& state) {
  const idempotency::Record record = DoneRecord();
  for (auto _ : state) benchmark::DoNotOptimize(idempotency::EncodeRecord(record));
}
BENCHMARK(BM_EncodeRecord);

void BM_DecodeRecord(benchmark::State& state) {
  const std::string bytes = idempotency::EncodeRecord(DoneRecord());
  for (auto _ : state) benchmark::DoNotOptimize(idempotency::DecodeRecord(bytes));
}
BENCHMARK(BM_DecodeRecord);

// A write's key, start to end, in memory: a new key claimed and its
// outcome kept (state.range(0) == 0), or a kept one replayed (1).
void BM_KeyInMemory(benchmark::State& state) {
  std::unique_ptr<base::Clock> clock = base::MakeRealClock();
  idempotency::MemoryKeyStore store(clock.get(), 100000);
  idempotency::IdempotencyKeys keys(&store, clock.get(), {});
  const bool replay = state.range(0) == 1;
  const idempotency::Record done = DoneRecord();
  const absl::Time until = absl::Now() + absl::Hours(1);
  int64_t n = 0;
  for (auto _ : state) {
    idempotency::KeyScope scope{"crm-sync", "UnassignByInstanceIds",
                                replay ? "the-one-key" : absl::StrCat("key-", n++)};
    keys.Begin(scope, done.fingerprint, until, until, nullptr,
               [&](idempotency::IdempotencyKeys::Claim claim) {
                 if (claim.verdict == idempotency::IdempotencyKeys::Verdict::kGoAhead) {
                   keys.Finish(claim, done.outcome, [](absl::Status) {});
                 }
                 benchmark::DoNotOptimize(claim);
               });
  }
}
BENCHMARK(BM_KeyInMemory)->Arg(0)->Arg(1);

}  // namespace
}  // namespace gong::bench

BENCHMARK_MAIN();
