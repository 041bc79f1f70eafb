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
//
// Writes (a method that passes a Settlement) have two steps more, both the
// skeleton's, so no write can forget them:
// - an `idempotency-key` is claimed before anything is sent
//   (idempotency/idempotency_keys.h): a retry with the key gets the first
//   call's answer (replayed), waits for a first call still running, or is
//   refused for asking something else; the call's outcome is kept when Gong
//   decided it, and marked in doubt when its answer was lost;
// - an outcome in doubt is settled by reading Gong's state
//   (write_settlement.h): a call without a key looks after --settle_delay
//   and answers OK where everything proves done; a retry of a key in doubt
//   looks at once and sends only what is still to do. A write whose
//   settlement has no lookup (a bulk assignment's start) is never settled:
//   its lost answer ends the call in doubt, and a retry of its key in doubt
//   sends nothing and is refused (RefuseKeyInDoubt).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
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
#include "api/call_admission.h"
#include "api/call_observer.h"
#include "api/invalid_request.h"
#include "api/service_parts.h"
#include "api/status_mapping.h"
#include "api/violation_list.h"
#include "api/write_settlement.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "google/protobuf/message.h"
#include "idempotency/idempotency_keys.h"
#include "quota/quota_steward.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::api {

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
  // The reactor goes once gRPC is done with it and no SubmitOther still
  // runs: a request submitted from another thread (a settling lookup, a
  // claimed key) may be answered and the call finished before Submit
  // returns.
  void OnDone() override { Unref(); }
  // gRPC runs OnDone and OnCancel on its executor thread unless a reactor
  // says they are inlineable; then they run on the thread that finished or
  // cancelled the call. Ours never block (OnDone frees the reactor, OnCancel
  // takes two short locks), and the hop cost a thread wake-up a call
  // (docs/performance.md#hand-offs-taken-out-and-what-each-bought).
  // gRPC marks this hook "not API": a gRPC upgrade must keep it, or lose
  // only that wake-up.
  bool InternalInlineable() override { return true; }

 protected:
  // `request` and `response` are the call's (a write's key keeps the
  // request's fingerprint and the response's bytes).
  GongCall(ServiceParts parts, grpc::CallbackServerContext* context,
           absl::string_view method, const google::protobuf::Message* request,
           google::protobuf::Message* response);
  ~GongCall() override = default;

  // How a call that reached (or was meant for) Gong ended, which decides
  // what its idempotency key keeps.
  enum class Ending {
    kDecided,  // Gong decided: its answer, or its refusal of the request
    kNotSent,  // the facade refused, or Gong surely did not act
    kInDoubt,  // the answer was lost after Gong may have acted
  };

  // The caller checks every call passes first, in their order
  // (call_admission.h): the caller's token and its role's right to the
  // method, then the priority header. If one fails, the call is finished
  // with its status (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT)
  // and nothing of it reaches Gong.
  bool Admit();
  // Finishes the call INVALID_ARGUMENT with a BadRequest of `violations`
  // (at least one; see invalid_request.h).
  void FinishInvalid(const ViolationList& violations);
  // The caller's deadline, or the service's default timeout from the
  // clock's now.
  absl::Time UpstreamDeadline() const;
  // Queues the call's request with the steward; the outcome comes back to
  // OnGongAnswer, or ends the call with the status of a refusal or error.
  void Submit(GongSubmission submission);
  // Queues a request of the call's other than its own (a settling lookup);
  // the outcome goes to `done`, not to OnGongAnswer.
  void SubmitOther(GongSubmission submission,
                   absl::AnyInvocable<void(quota::QuotaOutcome)> done);

  // Idempotency keys (gong_call_idempotency.cc), for writes.
  // Whether the call's idempotency-key is valid or absent (has_key() says
  // which); if not, the call is finished INVALID_ARGUMENT.
  bool AcceptIdempotencyKey();
  bool has_key() const { return !key_.empty(); }
  // Claims the call's key; `go` runs with true to settle (the key's last
  // call ended in doubt), false to send as usual. Any other verdict ends
  // the call here (a replay, or a refusal), and `go` does not run.
  void ClaimKey(absl::AnyInvocable<void(bool settle)> go);
  // The one end of a write that went to the steward: ends the key's claim
  // as `ending` says (keeping `status` and the response when decided), then
  // finishes the call. `settled`: the outcome was settled by reading
  // Gong's state (the caller is told so).
  void Conclude(grpc::Status status, Ending ending, bool settled = false);
  // Ends a retry whose key is in doubt, for a write that cannot be settled
  // by reading Gong: nothing is sent (sending again could act twice), the
  // call ends FAILED_PRECONDITION (IDEMPOTENCY_KEY_IN_DOUBT,
  // gong_may_have_acted=true), and the key stays in doubt.
  void RefuseKeyInDoubt();
  // What Gong's lost answer was, for a status that adds what a settling
  // lookup confirmed.
  const std::optional<upstream::GongError>& doubt() const { return doubt_; }
  // Whether the call is settling a lost answer (once a call), and marks it.
  bool settling() const { return settling_; }
  void set_settling() { settling_ = true; }
  const ServiceParts& parts() const { return parts_; }
  absl::string_view method() const { return admission_.record().method; }

 private:
  // Gong's 200 to this call's request: the status the call ends with. Notes
  // Gong's requestId and the answer's warnings in `record`. A 200 whose
  // body could not be read sets `*lost` to the error it stands for.
  virtual grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record,
                                    std::optional<upstream::GongError>* lost) = 0;
  // A write's answer was lost (`status` says how): the method may settle it
  // and end the call itself (true), or leave the call to end with `status`.
  virtual bool SettleLost(const grpc::Status& status) { return false; }

  void OnOutcome(quota::QuotaOutcome outcome);
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  // gRPC's hold (until OnDone), and each SubmitOther running.
  std::atomic<int> refs_{1};
  // Finish, reporting the code the caller sees.
  void FinishCall(grpc::Status status);
  // Finishes the call with the key's stored outcome.
  void FinishReplay(const idempotency::StoredOutcome& outcome);

  const ServiceParts parts_;
  grpc::CallbackServerContext* const context_;
  const google::protobuf::Message* const request_;
  google::protobuf::Message* const response_;
  // The caller checks and the call's record (started, caller, outcome).
  CallAdmission admission_;
  // The call's idempotency-key (empty: none), and its claim once held.
  std::string key_;
  std::optional<idempotency::IdempotencyKeys::Claim> claim_;
  // The error that left the write in doubt, while the call settles it.
  std::optional<upstream::GongError> doubt_;
  bool settling_ = false;

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

  // `settlement`: a write's (write_settlement.h), null for a read.
  GongCallReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                  absl::string_view method, const google::protobuf::Message* request,
                  google::protobuf::Message* response, DecodeBody decode_body,
                  const Settlement<Params, Result>* settlement = nullptr)
      : GongCall(parts, context, method, request, response),
        decode_body_(decode_body),
        settlement_(settlement) {}

 private:
  // The method's steps, in the order Start() runs them.
  // The call's request checked, and as the codec's plain request.
  virtual Validated<Params> Validate() = 0;
  // `params` (valid) as the request for Gong, due at `deadline`. A write
  // settling a lost answer encodes again, with only what is left to do.
  virtual Encoded Encode(Params params, absl::Time deadline) = 0;
  // Fills the response from Gong's `result` and returns OK, or returns the
  // status the call fails with instead.
  virtual grpc::Status Fill(Result result) = 0;

  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record,
                            std::optional<upstream::GongError>* lost) final;
  bool SettleLost(const grpc::Status& status) final;

  // Reads Gong's state of the write (its settlement's lookup). `send_rest`:
  // then send what is left (a retry of a key in doubt); else only answer
  // from it, with `lost` when something is left.
  void Settle(bool send_rest, grpc::Status lost);
  void OnLookup(quota::QuotaOutcome outcome, bool send_rest, grpc::Status lost);

  const DecodeBody decode_body_;
  const Settlement<Params, Result>* const settlement_;
  // A write's request, kept for settling.
  std::optional<Params> params_;
  // What a settling lookup found done, merged into the answer to the rest.
  std::optional<Result> before_;
};

template <typename Params, typename Result>
void GongCallReactor<Params, Result>::Start() {
  // First, and for every method: a caller without a valid token, or
  // without the right to this method, learns nothing of its request, and
  // nothing of it reaches Gong; then the priority header, before the
  // method's own validation.
  if (!Admit()) return;
  // A read needs no key (sending it twice changes nothing): only writes
  // look at theirs.
  if (settlement_ != nullptr && !AcceptIdempotencyKey()) return;
  Validated<Params> validated = Validate();
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  if (settlement_ != nullptr) params_ = validated.request;
  Encoded encoded = Encode(std::move(validated.request), UpstreamDeadline());
  if (const auto* refused = std::get_if<ViolationList>(&encoded)) {
    FinishInvalid(*refused);
    return;
  }
  if (!has_key()) {
    Submit(std::get<GongSubmission>(std::move(encoded)));
    return;
  }
  ClaimKey([this, submission =
                      std::get<GongSubmission>(std::move(encoded))](bool settle) mutable {
    if (settle && settlement_->lookup == nullptr) {
      RefuseKeyInDoubt();
    } else if (settle) {
      Settle(/*send_rest=*/true, grpc::Status::OK);
    } else {
      Submit(std::move(submission));
    }
  });
}

template <typename Params, typename Result>
grpc::Status GongCallReactor<Params, Result>::OnGongAnswer(
    upstream::GongAnswer answer, CallRecord* record,
    std::optional<upstream::GongError>* lost) {
  upstream::GongResult<Result> decoded =
      upstream::DecodeOutcome(std::move(answer), decode_body_);
  if (auto* error = std::get_if<upstream::GongError>(&decoded)) {
    record->gong_request_id = error->request_id;
    grpc::Status status = GongErrorToStatus(*error);
    *lost = std::move(*error);
    return status;
  }
  Result& result = std::get<Result>(decoded);
  if (before_.has_value()) {
    result = settlement_->merge(*std::move(before_), std::move(result));
    before_.reset();
  }
  record->gong_request_id = result.request_id;
  if constexpr (internal::HasWarnings<Result>::value) {
    record->answer_warnings = std::move(result.warnings);
  }
  return Fill(std::move(result));
}

template <typename Params, typename Result>
bool GongCallReactor<Params, Result>::SettleLost(const grpc::Status& status) {
  // Once a call: what a settled rest leaves in doubt stays so.
  if (settlement_ == nullptr || settlement_->lookup == nullptr || settling() ||
      parts().settle_delay <= absl::ZeroDuration()) {
    return false;
  }
  const absl::Time look_at = parts().clock->Now() + parts().settle_delay;
  // No time left to look before the caller's deadline.
  if (look_at >= UpstreamDeadline()) return false;
  set_settling();
  parts().clock->RunAt(look_at, [this, status] { Settle(/*send_rest=*/false, status); });
  return true;
}

template <typename Params, typename Result>
void GongCallReactor<Params, Result>::Settle(bool send_rest, grpc::Status lost) {
  set_settling();
  GongSubmission lookup;
  lookup.request =
      upstream::EncodeGetProspectFlows(settlement_->lookup(*params_), UpstreamDeadline());
  lookup.ids = lookup.request.items;
  SubmitOther(std::move(lookup), [this, send_rest, lost](quota::QuotaOutcome outcome) {
    OnLookup(std::move(outcome), send_rest, lost);
  });
}

template <typename Params, typename Result>
void GongCallReactor<Params, Result>::OnLookup(quota::QuotaOutcome outcome,
                                               bool send_rest, grpc::Status lost) {
  std::optional<upstream::GetProspectFlowsResult> found;
  grpc::Status failed;
  if (const auto* refusal = std::get_if<quota::QuotaRefusal>(&outcome)) {
    failed = QuotaRefusalToStatus(*refusal);
  } else if (const auto* error = std::get_if<upstream::GongError>(&outcome)) {
    failed = GongErrorToStatus(*error);
  } else {
    upstream::GongResult<upstream::GetProspectFlowsResult> decoded =
        upstream::DecodeOutcome(std::get<upstream::GongAnswer>(std::move(outcome)),
                                upstream::DecodeGetProspectFlowsResponse);
    if (auto* error = std::get_if<upstream::GongError>(&decoded)) {
      failed = GongErrorToStatus(*error);
    } else {
      found = std::get<upstream::GetProspectFlowsResult>(std::move(decoded));
    }
  }
  // Without the lookup nothing is known: still in doubt. A retry of a key
  // in doubt says why it could not look (a quota refusal, say, with its
  // RetryInfo); the key stays in doubt for the next.
  if (!found.has_value()) {
    Conclude(send_rest ? failed : lost, Ending::kInDoubt);
    return;
  }
  Settled<Params, Result> settled = settlement_->split(*params_, *found);
  // Without a key the call is answered OK only where every item is known
  // done; a retry with a key sends what is left and answers for the rest.
  if (!settled.rest.has_value() && (send_rest || settled.unknown == 0)) {
    Result none;
    none.request_id = found->request_id;
    Conclude(Fill(settlement_->merge(std::move(settled.done), std::move(none))),
             Ending::kDecided, /*settled=*/true);
    return;
  }
  if (!send_rest) {
    Conclude(LostWithConfirmed(*doubt(), settlement_->done_ids(settled.done)),
             Ending::kInDoubt);
    return;
  }
  before_ = std::move(settled.done);
  Encoded encoded = Encode(*std::move(settled.rest), UpstreamDeadline());
  if (const auto* refused = std::get_if<ViolationList>(&encoded)) {
    // The rest of a valid request is valid: were it not, nothing is sent.
    Conclude(internal::InvalidRequestStatus(*refused), Ending::kInDoubt);
    return;
  }
  Submit(std::get<GongSubmission>(std::move(encoded)));
}

}  // namespace gong::api
