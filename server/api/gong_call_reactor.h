// What every FlowService call does around its own endpoint: check the
// caller's token, bound the Gong request by the caller's deadline, hand it
// to the quota steward, cancel it when the caller leaves, turn the steward's
// refusals and Gong's errors into statuses (status_mapping.h), and report
// the call (call_observer.h). A method's reactor (unassign_by_instance_ids_reactor.h)
// adds only its validation, its codec and its response.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/call_observer.h"
#include "api/error_details.h"
#include "api/status_mapping.h"
#include "api/violation_list.h"
#include "auth/caller_tokens.h"
#include "quota/quota_steward.h"

namespace gong::api {

// What every call of the service shares (all outlive the call).
struct ServiceParts {
  quota::QuotaSteward* steward;
  CallObserver* observer;
  auth::CallerTokens* callers;  // may be null: no caller tokens
  absl::Duration default_timeout;
};

// The Gong callback may call Finish() before Start() returns; gRPC holds that
// Finish until the handler has returned the reactor, so OnDone (which
// deletes it) always comes after Start().
class GongCallReactor : public grpc::ServerUnaryReactor {
 public:
  void OnCancel() override;
  void OnDone() override { delete this; }
  // gRPC runs OnDone and OnCancel on its executor thread unless a reactor
  // says they are inlineable; then they run on the thread that finished or
  // cancelled the call. Ours never block (OnDone frees the reactor, OnCancel
  // takes two short locks), and the hop cost a thread wake-up a call
  // (docs/performance.md#hand-offs-taken-out-and-what-each-bought).
  // gRPC marks this hook "not API": a gRPC upgrade must keep it, or lose
  // only that wake-up.
  bool InternalInlineable() override { return true; }

 protected:
  GongCallReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                  absl::string_view method);
  ~GongCallReactor() override = default;

  // Whether the caller may call; if not, the call is finished UNAUTHENTICATED.
  bool Authenticate();
  // Finishes the call INVALID_ARGUMENT with a BadRequest of `violations`
  // (at least one; see invalid_request.h).
  void FinishInvalid(const ViolationList& violations);
  // The caller's deadline, or the service's default timeout from now.
  absl::Time UpstreamDeadline() const;
  // Queues `request` (carrying `ids` ids, for the call's log line) with the
  // steward; `part` (may be null) lets it merge with other waiting calls.
  void Submit(upstream::GongRequest request, std::unique_ptr<quota::Coalescable> part,
              size_t ids);

  // Gong's answer to this call's request: the method decodes it, fills its
  // response and returns OK, or returns the status of what went wrong
  // (GongErrorToStatus of a malformed answer, say). Notes Gong's requestId
  // and the answer's warnings in `record` (ReadAnswer does all of that).
  virtual grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) = 0;

  // OnGongAnswer's usual body: `decode` (a codec's Decode...Outcome) reads
  // `answer`; its error becomes the call's status, its result (with
  // request_id and warnings) is noted and handed to `fill`.
  template <typename Decode, typename Fill>
  static grpc::Status ReadAnswer(upstream::GongAnswer answer, CallRecord* record,
                                 Decode decode, Fill fill);

 private:
  void OnOutcome(quota::QuotaOutcome outcome);
  // Finish, reporting the code the caller sees.
  void FinishCall(grpc::Status status);

  const ServiceParts parts_;
  grpc::CallbackServerContext* const context_;
  const absl::Time started_ = absl::Now();
  CallRecord record_;

  absl::Mutex mu_;
  std::optional<quota::QuotaSteward::CallId> call_id_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

namespace internal {
// Whether a codec's result lists warnings (not every endpoint's has any).
template <typename T, typename = void>
struct HasWarnings : std::false_type {};
template <typename T>
struct HasWarnings<T, std::void_t<decltype(std::declval<T&>().warnings)>>
    : std::true_type {};
}  // namespace internal

template <typename Decode, typename Fill>
grpc::Status GongCallReactor::ReadAnswer(upstream::GongAnswer answer, CallRecord* record,
                                         Decode decode, Fill fill) {
  auto decoded = decode(std::move(answer));
  if (auto* error = std::get_if<upstream::GongError>(&decoded)) {
    record->gong_request_id = error->request_id;
    return GongErrorToStatus(*error);
  }
  auto& result = std::get<0>(decoded);
  record->gong_request_id = result.request_id;
  if constexpr (internal::HasWarnings<std::decay_t<decltype(result)>>::value) {
    record->answer_warnings = std::move(result.warnings);
  }
  fill(std::move(result));
  return grpc::Status::OK;
}

}  // namespace gong::api
