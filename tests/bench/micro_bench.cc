// Google Benchmark micro-benchmarks for the per-call CPU path: request
// validation, Gong request encoding, decoding Gong's answer with 200 ids,
// building the response, mapping an error to a status with details, and
// reporting a finished call (its log line, its metrics).
// Figures only; nothing is asserted. ctest runs a smoke pass.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "api/request_validation.h"
#include "api/status_mapping.h"
#include "api/unassign_by_instance_ids_reactor.h"
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

}  // namespace
}  // namespace gong::bench

BENCHMARK_MAIN();
