// A GongClient that holds every call until the test answers it, and records
// what it was asked and cancelled. Thread-safe, for tests that drive it
// from gRPC threads too.
#pragma once

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gong/gong_client.h"

namespace gong::testing {

class FakeGongClient final : public GongClient {
 public:
  struct Call {
    UnassignRequest request;
    absl::Time deadline;
    Callback done;  // empty once answered
  };

  // Call ids are 1, 2, 3, ... in arrival order.
  CallId Unassign(UnassignRequest request, absl::Time deadline,
                  Callback done) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({std::move(request), deadline, std::move(done)});
    return calls_.size();
  }

  // Records the id; an unanswered call is answered as cancelled.
  void Cancel(CallId id) override {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      cancelled_.push_back(id);
      done = std::move(calls_[id - 1].done);
    }
    if (done) std::move(done)(CancelledError());
  }

  // Answers call `id`, as Gong's answer arriving would.
  void Answer(CallId id, UnassignOutcome outcome) {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(calls_[id - 1].done);
    }
    std::move(done)(std::move(outcome));
  }

  size_t size() {
    absl::MutexLock lock(&mu_);
    return calls_.size();
  }
  UnassignRequest request(CallId id) {
    absl::MutexLock lock(&mu_);
    return calls_[id - 1].request;
  }
  absl::Time deadline(CallId id) {
    absl::MutexLock lock(&mu_);
    return calls_[id - 1].deadline;
  }
  std::vector<CallId> cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Blocks until `n` calls have arrived, or `timeout` passes.
  bool AwaitCalls(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    auto arrived = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return calls_.size() >= n;
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }

  bool AwaitCancelled(absl::Duration timeout = absl::Seconds(10)) {
    auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !cancelled_.empty();
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&any), timeout);
  }

  static GongError CancelledError() {
    GongError error;
    error.kind = GongError::Kind::kTransport;
    error.transport_failure = http::TransportFailure::kCancelled;
    return error;
  }

 private:
  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);  // call id N at index N-1
  std::vector<CallId> cancelled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gong::testing
