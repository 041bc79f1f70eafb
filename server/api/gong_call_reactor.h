// The one skeleton of every FlowService call. GongCallReactor::Start() runs
// the call's steps in one order, the same for every method: authenticate
// the caller and check that its role allows the method, read the call's
// priority (a bad x-gong-flows-priority ends INVALID_ARGUMENT), validate the
// request (an invalid one ends INVALID_ARGUMENT with a BadRequest), encode
// it for Gong, submit it to the quota steward, decode Gong's answer and
// fill the response. A method (an RPC) supplies
// only its own steps, as a small subclass in api/<rpc>_reactor.{h,cc}: its
// validation, its encoding (with the part that lets it merge with other
// calls, if it can) and its response filling. Authentication is no step of
// a method's: the skeleton runs it first, before any of the request is
// read, and a method cannot leave it out.
//
// What the skeleton does besides (bound the Gong request by the caller's
// deadline, cancel it when the caller leaves, turn the steward's refusals
// and Gong's errors into statuses, report the call) is internal::GongCall's.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/call_observer.h"
#include "api/status_mapping.h"
#include "api/violation_list.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "quota/quota_steward.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::api {

// What every call of the service shares (all outlive the call).
struct ServiceParts {
  quota::QuotaSteward* steward;
  CallObserver* observer;
  // May be null: no caller tokens, and every caller is an unnamed writer.
  auth::CallerTokens* callers;
  absl::Duration default_timeout;
  // The time the steward keeps too: a call's start, and its Gong request's
  // deadline when the caller set none.
  base::Clock* clock;
};

// A method's request for Gong, ready for the steward.
struct GongSubmission {
  upstream::GongRequest request;
  // Lets the request merge with other waiting calls' (quota/coalescing.h);
  // null for a method whose calls are never merged.
  std::unique_ptr<quota::Coalescable> part;
  size_t ids = 0;  // how many ids the call asks about, for its log line
};

namespace internal {

// The part of the skeleton that does not depend on the method.
//
// The Gong callback may call Finish() before Start() returns; gRPC holds
// that Finish until the handler has returned the reactor, so OnDone (which
// deletes it) always comes after Start().
class GongCall : public grpc::ServerUnaryReactor {
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
  GongCall(ServiceParts parts, grpc::CallbackServerContext* context,
           absl::string_view method);
  ~GongCall() override = default;

  // Whether the caller may call this method: a token the tokens file
  // accepts (any call, without the file), whose role covers the method
  // (api/method_access.h). If not, the call is finished UNAUTHENTICATED or
  // PERMISSION_DENIED. Names the caller in the call's record either way,
  // and reports the call started.
  bool Authenticate();
  // Whether the call's x-gong-flows-priority is valid (api/call_priority.h);
  // if not, the call is finished INVALID_ARGUMENT (INVALID_PRIORITY) and
  // nothing of it reaches Gong.
  bool AcceptPriority();
  // Finishes the call INVALID_ARGUMENT with a BadRequest of `violations`
  // (at least one; see invalid_request.h).
  void FinishInvalid(const ViolationList& violations);
  // The caller's deadline, or the service's default timeout from the
  // clock's now.
  absl::Time UpstreamDeadline() const;
  // Queues the call's request with the steward; the outcome comes back to
  // OnGongAnswer, or ends the call with the status of a refusal or error.
  void Submit(GongSubmission submission);

 private:
  // Gong's 200 to this call's request: the status the call ends with. Notes
  // Gong's requestId and the answer's warnings in `record`.
  virtual grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) = 0;

  void OnOutcome(quota::QuotaOutcome outcome);
  // Finish, reporting the code the caller sees.
  void FinishCall(grpc::Status status);

  const ServiceParts parts_;
  grpc::CallbackServerContext* const context_;
  const absl::Time started_;
  CallRecord record_;

  absl::Mutex mu_;
  std::optional<quota::QuotaSteward::CallId> call_id_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Whether a codec's result lists warnings (not every endpoint's has any).
template <typename T, typename = void>
struct HasWarnings : std::false_type {};
template <typename T>
struct HasWarnings<T, std::void_t<decltype(std::declval<T&>().warnings)>>
    : std::true_type {};

}  // namespace internal

// The skeleton of a call whose validated request is a `Params` (its
// codec's plain request) and whose Gong answer reads as a `Result`.
template <typename Params, typename Result>
class GongCallReactor : public internal::GongCall {
 public:
  // The one start of a call (FlowServiceImpl calls it once, right after
  // making the reactor): every step in order, authentication first.
  void Start();

 protected:
  // What encoding gives: the request for Gong, or the violations of a
  // request the codec refuses though validation let it through.
  using Encoded = std::variant<GongSubmission, ViolationList>;
  // The codec's reading of a 200's body (upstream/<rpc>_codec.h).
  using DecodeBody = absl::StatusOr<Result> (*)(absl::string_view body);

  GongCallReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                  absl::string_view method, DecodeBody decode_body)
      : GongCall(parts, context, method), decode_body_(decode_body) {}

 private:
  // The method's steps, in the order Start() runs them.
  // The call's request checked, and as the codec's plain request.
  virtual Validated<Params> Validate() = 0;
  // `params` (valid) as the request for Gong, due at `deadline`.
  virtual Encoded Encode(Params params, absl::Time deadline) = 0;
  // Fills the response from Gong's `result` and returns OK, or returns the
  // status the call fails with instead.
  virtual grpc::Status Fill(Result result) = 0;

  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) final;

  const DecodeBody decode_body_;
};

template <typename Params, typename Result>
void GongCallReactor<Params, Result>::Start() {
  // First, and for every method: a caller without a valid token, or
  // without the right to this method, learns nothing of its request, and
  // nothing of it reaches Gong.
  if (!Authenticate()) return;
  // Every method's, before its own validation: a caller learns of a bad
  // header whatever its request holds.
  if (!AcceptPriority()) return;
  Validated<Params> validated = Validate();
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  Encoded encoded = Encode(std::move(validated.request), UpstreamDeadline());
  if (const auto* refused = std::get_if<ViolationList>(&encoded)) {
    FinishInvalid(*refused);
    return;
  }
  Submit(std::get<GongSubmission>(std::move(encoded)));
}

template <typename Params, typename Result>
grpc::Status GongCallReactor<Params, Result>::OnGongAnswer(upstream::GongAnswer answer,
                                                           CallRecord* record) {
  upstream::GongResult<Result> decoded =
      upstream::DecodeOutcome(std::move(answer), decode_body_);
  if (const auto* error = std::get_if<upstream::GongError>(&decoded)) {
    record->gong_request_id = error->request_id;
    return GongErrorToStatus(*error);
  }
  Result& result = std::get<Result>(decoded);
  record->gong_request_id = result.request_id;
  if constexpr (internal::HasWarnings<Result>::value) {
    record->answer_warnings = std::move(result.warnings);
  }
  return Fill(std::move(result));
}

}  // namespace gong::api
