#include "load_generator.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_code_names.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "http/curl_transport.h"
#include "upstream/credentials.h"
#include "upstream/gong_client.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::bench {
namespace {

// Ids far from the sandbox's default assigned range, one per call.
std::string IdFor(int64_t seq) { return absl::StrCat(700000000000 + seq); }

// Shared with every call's callback: the last of them may still be
// unwinding (releasing mu_, say) after Run() has seen the count reach zero
// and returned, so the loop lives until that callback lets it go.
class Loop : public std::enable_shared_from_this<Loop> {
 public:
  Loop(CallTarget& target, const LoadOptions& options)
      : target_(target),
        options_(options),
        measure_from_(absl::Now() + options.warmup),
        stop_(measure_from_ + options.measured) {}

  LoadResult Run(int in_flight) {
    {
      absl::MutexLock lock(&mu_);
      active_ = in_flight;
    }
    for (int i = 0; i < in_flight; ++i) Issue();
    absl::SleepFor(measure_from_ - absl::Now());
    if (options_.at_measure_start) options_.at_measure_start();
    absl::SleepFor(stop_ - absl::Now());
    if (options_.at_measure_end) options_.at_measure_end();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* active) { return *active == 0; }, &active_));
    return Summarize();
  }

 private:
  struct Sample {
    absl::Duration latency;
    std::string outcome;
  };

  void Issue() {
    const absl::Time began = absl::Now();
    target_.Start(next_seq_.fetch_add(1),
                  [this, self = shared_from_this(), began](std::string outcome) {
                    const absl::Time ended = absl::Now();
                    const bool measured = ended >= measure_from_ && ended < stop_;
                    {
                      absl::MutexLock lock(&mu_);
                      ++all_calls_;
                      if (measured)
                        samples_.push_back({ended - began, std::move(outcome)});
                      if (ended >= stop_) {
                        --active_;
                        return;
                      }
                    }
                    Issue();
                  });
  }

  LoadResult Summarize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    LoadResult result;
    result.calls = static_cast<int64_t>(samples_.size());
    result.all_calls = all_calls_;
    result.calls_per_second = result.calls / absl::ToDoubleSeconds(stop_ - measure_from_);
    if (samples_.empty()) return result;
    std::vector<absl::Duration> latencies;
    latencies.reserve(samples_.size());
    absl::Duration sum;
    for (const Sample& s : samples_) {
      latencies.push_back(s.latency);
      sum += s.latency;
      ++result.outcomes[s.outcome];
    }
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) {
      return latencies[std::min(latencies.size() - 1,
                                static_cast<size_t>(q * latencies.size()))];
    };
    result.mean = sum / static_cast<int64_t>(latencies.size());
    result.p50 = at(0.50);
    result.p90 = at(0.90);
    result.p99 = at(0.99);
    result.max = latencies.back();
    return result;
  }

  CallTarget& target_;
  const LoadOptions options_;
  const absl::Time measure_from_;
  const absl::Time stop_;
  std::atomic<int64_t> next_seq_{0};
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t all_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Sample> samples_ ABSL_GUARDED_BY(mu_);
};

class Grpc final : public CallTarget {
 public:
  explicit Grpc(const std::string& address)
      : stub_(flows::v1::FlowService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

  void Start(int64_t seq, Done done) override {
    auto* call = new Call;
    call->done = std::move(done);
    call->request.add_flow_instance_ids(IdFor(seq));
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
    stub_->async()->UnassignByInstanceIds(
        &call->context, &call->request, &call->response, [call](grpc::Status status) {
          // The call goes before it reports. Its ClientContext holds a
          // reference to the channel, and once the last call has reported
          // the target may be destroyed: were the channel's last reference
          // dropped here, on one of gRPC's callback threads, gRPC would
          // shut down the callback queue that this very thread polls and
          // the thread would crash in it (SIGSEGV in nexting_thread).
          Done done = std::move(call->done);
          delete call;
          std::move(done)(std::string(api::CanonicalCodeName(status.error_code())));
        });
  }

 private:
  struct Call {
    Done done;
    grpc::ClientContext context;
    flows::v1::UnassignByInstanceIdsRequest request;
    flows::v1::UnassignByInstanceIdsResponse response;
  };
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
};

class Http final : public CallTarget {
 public:
  Http(const std::string& base_url, std::unique_ptr<http::CurlTransport> transport)
      : base_url_(base_url), transport_(std::move(transport)) {}

  void Start(int64_t seq, Done done) override {
    http::HttpRequest request =
        upstream::ToHttpRequest(base_url_, credentials_,
                                upstream::EncodeUnassignByInstanceIds(
                                    {{IdFor(seq)}, ""}, absl::Now() + absl::Seconds(30)));
    transport_->Send(
        std::move(request), [done = std::move(done)](http::HttpResult result) mutable {
          if (const auto* response = std::get_if<http::HttpResponse>(&result)) {
            std::move(done)(absl::StrCat("HTTP ", response->status));
          } else {
            std::move(done)(std::string(
                http::TransportFailureName(std::get<http::TransportError>(result).kind)));
          }
        });
  }

 private:
  const std::string base_url_;
  const upstream::GongCredentials credentials_ =
      upstream::GongCredentials::Bearer("bench");
  std::unique_ptr<http::CurlTransport> transport_;
};

}  // namespace

LoadResult RunClosedLoop(CallTarget& target, const LoadOptions& options) {
  return std::make_shared<Loop>(target, options)->Run(options.in_flight);
}

std::unique_ptr<CallTarget> GrpcTarget(const std::string& address) {
  return std::make_unique<Grpc>(address);
}

std::unique_ptr<CallTarget> HttpTarget(const std::string& base_url) {
  // The baseline is the upstream itself: no bound of the facade's on it.
  http::CurlTransportOptions options;
  options.max_connections = 100000;
  auto transport = http::CurlTransport::Create(options);
  if (!transport.ok()) std::abort();
  return std::make_unique<Http>(base_url, *std::move(transport));
}

}  // namespace gong::bench
