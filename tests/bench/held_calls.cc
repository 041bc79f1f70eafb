#include "held_calls.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_code_names.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::bench {

struct HeldCalls::Stub {
  std::unique_ptr<flows::v1::FlowService::Stub> stub;
};

struct HeldCalls::Call {
  grpc::ClientContext context;
  flows::v1::UnassignByInstanceIdsRequest request;
  flows::v1::UnassignByInstanceIdsResponse response;
};

struct HeldCalls::Ended {
  absl::Mutex mu;
  int64_t count ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, int64_t> outcomes ABSL_GUARDED_BY(mu);
};

HeldCalls::HeldCalls(const std::string& address)
    : stub_(new Stub{flows::v1::FlowService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))}),
      ended_(std::make_shared<Ended>()) {}

HeldCalls::~HeldCalls() {
  CancelAll();
  AwaitEnded(static_cast<int64_t>(calls_.size()), absl::InfiniteDuration());
}

void HeldCalls::Start(int n, absl::Duration deadline) {
  const auto until = absl::ToChronoTime(absl::Now() + deadline);
  for (int i = 0; i < n; ++i) {
    auto call = std::make_unique<Call>();
    // Ids far from the sandbox's and the load generator's, one per call.
    call->request.add_flow_instance_ids(absl::StrCat(800000000000 + calls_.size()));
    call->context.set_deadline(until);
    stub_->stub->async()->UnassignByInstanceIds(
        &call->context, &call->request, &call->response,
        [ended = ended_](grpc::Status status) {
          absl::MutexLock lock(&ended->mu);
          ++ended->count;
          ++ended->outcomes[std::string(api::CanonicalCodeName(status.error_code()))];
        });
    calls_.push_back(std::move(call));
  }
}

void HeldCalls::CancelAll() {
  // A call that has ended ignores it.
  for (auto& call : calls_) call->context.TryCancel();
}

bool HeldCalls::AwaitEnded(int64_t n, absl::Duration timeout) {
  Ended& ended = *ended_;
  absl::MutexLock lock(&ended.mu);
  // Evaluated by Await under the lock.
  const auto reached = [&ended, n]()
                           ABSL_NO_THREAD_SAFETY_ANALYSIS { return ended.count >= n; };
  return ended.mu.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

std::map<std::string, int64_t> HeldCalls::Outcomes() {
  absl::MutexLock lock(&ended_->mu);
  return ended_->outcomes;
}

}  // namespace gong::bench
