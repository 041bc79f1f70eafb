// One UnassignByInstanceIds call: authentication, validation, the unassign
// codec, the quota steward (with unassign's coalescing), and the answer
// turned into the response or a status.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/call_observer.h"
#include "auth/caller_tokens.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gong/unassign_codec.h"
#include "quota/quota_steward.h"
#include "quota/unassign_coalescing.h"

namespace gong {

// What every call of the service shares (all outlive the call).
struct ServiceParts {
  QuotaSteward* steward;
  CallObserver* observer;
  CallerTokens* callers;  // may be null: no caller tokens
  absl::Duration default_timeout;
  const UnassignCoalescing* coalescing;
};

// The Gong callback may call Finish() before Start() returns; gRPC holds that
// Finish until the handler has returned the reactor, so OnDone (which
// deletes it) always comes after Start().
class UnassignReactor final : public grpc::ServerUnaryReactor {
 public:
  UnassignReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                  flows::v1::UnassignByInstanceIdsResponse* response);

  void Start(const flows::v1::UnassignByInstanceIdsRequest& request);
  void OnCancel() override;
  void OnDone() override { delete this; }

 private:
  void OnOutcome(QuotaOutcome outcome);
  // Finish, reporting the code the caller sees.
  void FinishCall(grpc::Status status);

  const ServiceParts parts_;
  grpc::CallbackServerContext* const context_;
  flows::v1::UnassignByInstanceIdsResponse* const response_;
  const absl::Time started_ = absl::Now();
  std::vector<std::string> requested_;
  CallRecord record_;

  absl::Mutex mu_;
  std::optional<QuotaSteward::CallId> call_id_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// The response for a call whose distinct ids were `requested` and which
// Gong answered with `result` (exposed for tests): unassigned are the
// requested ids Gong listed, each once, in Gong's order (an id Gong listed
// twice, or one not asked for, such as another caller's in a merged
// request, is not passed on); still assigned are the others, in request
// order.
void FillResponse(const std::vector<std::string>& requested, UnassignResult result,
                  flows::v1::UnassignByInstanceIdsResponse* response);

}  // namespace gong
