// interactive_probe: an interactive caller beside background work. It calls
// UnassignByInstanceIds with one id, once every --interval, each call on
// its own thread so that a slow answer never delays the next call, until
// --stop_file exists (or --duration passes); then prints one JSON line:
// the calls, their latency (p50, p99, max) and their codes.
// scripts/bench-priorities runs it beside a 20,000-id CLI run, with the
// facade's priorities on and off. A benchmark: it asserts nothing.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/grpc_code_names.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "The facade's HOST:PORT");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(1), "Time between two calls' starts");
ABSL_FLAG(int64_t, first_id, 900000000, "The first call's id; each call takes the next");
ABSL_FLAG(std::string, priority, "",
          "x-gong-flows-priority to send (empty: none, which is interactive)");
ABSL_FLAG(std::string, stop_file, "", "Stop starting calls once this file exists");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(10), "Stop starting calls after this");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "Each call's deadline");

namespace {

namespace v1 = gong::flows::v1;

absl::Duration Percentile(std::vector<absl::Duration> sorted, double q) {
  if (sorted.empty()) return absl::ZeroDuration();
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[index];
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto stub = v1::FlowService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials()));
  absl::Mutex mu;
  std::vector<absl::Duration> latencies;
  std::map<std::string, int> codes;
  std::vector<std::thread> calls;
  const std::string stop_file = absl::GetFlag(FLAGS_stop_file);
  const absl::Time end = absl::Now() + absl::GetFlag(FLAGS_duration);
  absl::Time next = absl::Now();
  for (int64_t id = absl::GetFlag(FLAGS_first_id);
       absl::Now() < end && (stop_file.empty() || access(stop_file.c_str(), F_OK) != 0);
       ++id) {
    calls.emplace_back([&, id] {
      v1::UnassignByInstanceIdsRequest request;
      request.add_flow_instance_ids(absl::StrCat(id));
      v1::UnassignByInstanceIdsResponse response;
      grpc::ClientContext context;
      context.set_deadline(
          absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
      if (!absl::GetFlag(FLAGS_priority).empty()) {
        context.AddMetadata("x-gong-flows-priority", absl::GetFlag(FLAGS_priority));
      }
      const absl::Time start = absl::Now();
      const grpc::Status status = stub->UnassignByInstanceIds(&context, request, &response);
      const absl::Duration took = absl::Now() - start;
      absl::MutexLock lock(&mu);
      latencies.push_back(took);
      ++codes[std::string(gong::api::CanonicalCodeName(status.error_code()))];
    });
    next += absl::GetFlag(FLAGS_interval);
    absl::SleepFor(next - absl::Now());
  }
  for (std::thread& call : calls) call.join();
  std::sort(latencies.begin(), latencies.end());
  nlohmann::json line = {{"calls", latencies.size()},
                         {"p50_ms", Ms(Percentile(latencies, 0.50))},
                         {"p99_ms", Ms(Percentile(latencies, 0.99))},
                         {"max_ms", Ms(latencies.empty() ? absl::ZeroDuration()
                                                         : latencies.back())},
                         {"codes", codes}};
  std::cout << line.dump() << std::endl;
  return 0;
}
