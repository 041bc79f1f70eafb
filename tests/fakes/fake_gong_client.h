// A GongClient that holds every request until the test answers it, and
// records what it was sent and cancelled. Thread-safe, for tests that drive
// it from gRPC threads too.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "upstream/gong_client.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::fakes {

class FakeGongClient final : public upstream::GongClient {
 public:
  struct Call {
    upstream::GongRequest request;
    Callback done;  // empty once answered
  };

  // Answers every call still unanswered as cancelled (may have acted), as
  // RestGongClient does when destroyed, if the test asked for it.
  ~FakeGongClient() override {
    std::vector<Callback> unfinished;
    {
      absl::MutexLock lock(&mu_);
      if (!cancel_unfinished_on_destruction_) return;
      for (Call& call : calls_) {
        if (call.done) unfinished.push_back(std::move(call.done));
      }
    }
    for (Callback& done : unfinished) {
      std::move(done)(upstream::GongError::Cancelled("client destroyed", true));
    }
  }

  // Makes the destructor answer unfinished calls, like the real client's.
  void CancelUnfinishedOnDestruction() {
    absl::MutexLock lock(&mu_);
    cancel_unfinished_on_destruction_ = true;
  }

  // Call ids are 1, 2, 3, ... in arrival order.
  CallId Send(upstream::GongRequest request, Callback done) override {
    if (on_send_) on_send_();
    absl::MutexLock lock(&mu_);
    calls_.push_back({std::move(request), std::move(done)});
    return calls_.size();
  }

  // Runs at the start of every Send, while the request is being written,
  // as it were. Set it while no Send runs.
  void OnSend(std::function<void()> hook) { on_send_ = std::move(hook); }

  // Records the id; an unanswered call is answered as cancelled.
  void Cancel(CallId id) override {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      cancelled_.push_back(id);
      done = std::move(calls_[id - 1].done);
    }
    if (done) std::move(done)(upstream::GongError::Cancelled("cancelled", true));
  }

  // Answers call `id`, as Gong's answer arriving would; a call cancelled
  // (or answered) already is left as it is, as an answer arriving after the
  // cancel would be.
  void Answer(CallId id, upstream::GongOutcome outcome) {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(calls_[id - 1].done);
    }
    if (done) std::move(done)(std::move(outcome));
  }

  // Answers call `id` with Gong's 200 for an unassign request.
  void AnswerUnassigned(CallId id, const upstream::UnassignByInstanceIdsResult& result) {
    Answer(id,
           upstream::GongAnswer{upstream::EncodeUnassignByInstanceIdsResponse(result)});
  }

  size_t size() {
    absl::MutexLock lock(&mu_);
    return calls_.size();
  }
  upstream::GongRequest request(CallId id) {
    absl::MutexLock lock(&mu_);
    return calls_[id - 1].request;
  }
  absl::Time deadline(CallId id) { return request(id).deadline; }
  // The unassign request call `id` carries, read back from its JSON body.
  upstream::UnassignByInstanceIdsParams unassign(CallId id) {
    const nlohmann::json body = nlohmann::json::parse(request(id).json_body);
    upstream::UnassignByInstanceIdsParams out;
    out.flow_instance_ids = body.at("flowInstanceIds").get<std::vector<std::string>>();
    out.unassigned_by_user_email = body.value("unassignedByUserEmail", "");
    return out;
  }
  std::vector<CallId> cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Blocks until `n` calls have arrived, or `timeout` passes.
  bool AwaitCalls(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    auto arrived = [this, n]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_.size() >= n; };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }

  bool AwaitCancelled(absl::Duration timeout = absl::Seconds(10)) {
    auto any = [this]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !cancelled_.empty(); };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&any), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);  // call id N at index N-1
  std::vector<CallId> cancelled_ ABSL_GUARDED_BY(mu_);
  bool cancel_unfinished_on_destruction_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_send_;
};

}  // namespace gong::fakes
