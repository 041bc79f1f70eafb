#include "api/gong_call_reactor.h"

#include <optional>
#include <utility>

#include "api/invalid_request.h"
#include "api/status_mapping.h"

namespace gong::api::internal {

GongCall::GongCall(ServiceParts parts, grpc::CallbackServerContext* context,
                   absl::string_view method, const google::protobuf::Message* request,
                   google::protobuf::Message* response)
    : parts_(parts),
      context_(context),
      request_(request),
      response_(response),
      admission_(parts_, context, method) {}

bool GongCall::Admit() {
  std::optional<grpc::Status> refused = admission_.Admit();
  if (!refused.has_value()) return true;
  FinishCall(*std::move(refused));
  return false;
}

void GongCall::FinishInvalid(const ViolationList& violations) {
  FinishCall(InvalidRequestStatus(violations));
}

absl::Time GongCall::UpstreamDeadline() const { return admission_.UpstreamDeadline(); }

void GongCall::Submit(GongSubmission submission) {
  // The call's own ids: the first submission's (a settled rest has fewer).
  if (admission_.record().ids == 0) admission_.record().ids = submission.ids;
  SubmitOther(std::move(submission),
              [this](quota::QuotaOutcome outcome) { OnOutcome(std::move(outcome)); });
}

void GongCall::SubmitOther(GongSubmission submission,
                           absl::AnyInvocable<void(quota::QuotaOutcome)> done) {
  // Whose request it is, for the log line of the Gong request that carries
  // it (merged or not); the caller is known by now (Authenticate).
  submission.request.calls = {upstream::CallTag{admission_.record().caller,
                                                admission_.record().trace_id,
                                                admission_.record().x_request_id}};
  // Valid by now (AcceptPriority); were it not, the call would not jump
  // the queue. Callers take turns by name where they are named; unnamed
  // ones, all sharing one name, by their connection.
  submission.request.priority =
      admission_.record().priority.value_or(upstream::Priority::kBackground);
  submission.request.queue_key = admission_.record().caller != auth::kUnnamedCaller
                                     ? admission_.record().caller
                                     : admission_.record().peer;
  refs_.fetch_add(1, std::memory_order_relaxed);
  const quota::QuotaSteward::CallId id = parts_.steward->Submit(
      std::move(submission.request), std::move(submission.part), std::move(done));
  bool cancel_now;
  {
    absl::MutexLock lock(&mu_);
    call_id_ = id;
    cancel_now = cancelled_;
  }
  if (cancel_now) parts_.steward->Cancel(id);
  Unref();
}

void GongCall::OnCancel() {
  std::optional<quota::QuotaSteward::CallId> id;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    id = call_id_;
  }
  // Ends the call in the steward; its callback then finishes this call.
  if (id.has_value()) parts_.steward->Cancel(*id);
}

namespace {

// Whether Gong's error answer to a write leaves its outcome in doubt: a
// 500, 502 or 504 may come after Gong acted (a proxy's timeout, a failure
// half way). Its other refusals (4xx, 503) come before any work.
bool AnswerInDoubt(int http_status) {
  return http_status == 500 || http_status == 502 || http_status == 504;
}

// Whether Gong's answer decided the request for good, so that a retry with
// the key gets it again: a 200, or a refusal of the request itself (a 400,
// a 404). Not one of the refusals a retry may get past: the facade's
// credentials (401, 403), a timeout (408) or the rate limit (429).
bool AnswerDecided(int http_status) {
  return http_status >= 400 && http_status < 500 && http_status != 401 &&
         http_status != 403 && http_status != 408 && http_status != 429;
}

}  // namespace

void GongCall::OnOutcome(quota::QuotaOutcome outcome) {
  if (auto* refusal = std::get_if<quota::QuotaRefusal>(&outcome)) {
    Conclude(QuotaRefusalToStatus(*refusal), Ending::kNotSent);
    return;
  }
  std::optional<upstream::GongError> error;
  grpc::Status status;
  if (auto* failed = std::get_if<upstream::GongError>(&outcome)) {
    admission_.record().gong_request_id = failed->request_id;
    status = GongErrorToStatus(*failed);
    error = std::move(*failed);
  } else {
    status = OnGongAnswer(std::get<upstream::GongAnswer>(std::move(outcome)),
                          &admission_.record(), &error);
    // The rest of a settled write answered: the whole answer is settled.
    if (!error.has_value()) {
      Conclude(std::move(status), Ending::kDecided, settling());
      return;
    }
  }
  Ending ending = Ending::kNotSent;
  if (error->kind == upstream::GongError::Kind::kMalformedAnswer) {
    // Gong answered (acted, for a write) in words we could not read.
    ending = Ending::kInDoubt;
  } else if (error->answered()) {
    ending = AnswerInDoubt(error->http_status)   ? Ending::kInDoubt
             : AnswerDecided(error->http_status) ? Ending::kDecided
                                                 : Ending::kNotSent;
  } else if (error->may_have_acted) {
    ending = Ending::kInDoubt;
  }
  if (ending == Ending::kInDoubt) {
    doubt_ = std::move(error);
    if (SettleLost(status)) return;
  }
  Conclude(std::move(status), ending);
}

void GongCall::FinishCall(grpc::Status status) {
  admission_.ReportFinished(status.error_code());
  Finish(std::move(status));
}

}  // namespace gong::api::internal
