#include "api/gong_call_reactor.h"

#include <grpc/support/time.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/call_priority.h"
#include "api/invalid_request.h"
#include "api/method_access.h"
#include "api/status_mapping.h"
#include "api/trace_context.h"
#include "auth/peer_identity.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::api::internal {
namespace {

// The caller's authorization metadata, or "".
absl::string_view AuthorizationOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return absl::string_view(it->second.data(), it->second.size());
}

// Why a caller whose role does not cover `method` is refused.
std::string NotAllowedMessage(absl::string_view method) {
  if (!AccessOf(method).has_value()) {
    return absl::StrCat(method,
                        " is declared neither a read nor a write method, so no caller "
                        "may call it");
  }
  return absl::StrCat("readers may call only the read methods (",
                      absl::StrJoin(ReadMethods(), ", "), "); ", method,
                      " needs a writer's token");
}

// A deadline further out than this is no deadline: infinite reads as such,
// and nobody means a century.
constexpr absl::Duration kNoDeadlineBeyond = absl::Hours(24 * 365 * 100);

// The caller's deadline, or nullopt when it has none. Not from
// context.deadline(): that converts to system_clock nanoseconds, which wrap
// for a deadline about 292 years away or more (grpc-timeout: 2600000H) and
// so read as long past. The raw gpr_timespec holds any deadline gRPC does.
std::optional<absl::Time> CallerDeadline(const grpc::CallbackServerContext& context,
                                         absl::Time now) {
  const gpr_timespec raw =
      gpr_convert_clock_type(context.raw_deadline(), GPR_CLOCK_REALTIME);
  if (raw.tv_sec == std::numeric_limits<int64_t>::max()) return std::nullopt;
  const absl::Time deadline =
      absl::FromUnixSeconds(raw.tv_sec) + absl::Nanoseconds(raw.tv_nsec);
  if (deadline - now > kNoDeadlineBeyond) return std::nullopt;
  return deadline;
}

}  // namespace

GongCall::GongCall(ServiceParts parts, grpc::CallbackServerContext* context,
                   absl::string_view method, const google::protobuf::Message* request,
                   google::protobuf::Message* response)
    : parts_(parts),
      context_(context),
      request_(request),
      response_(response),
      started_(parts.clock->Now()) {
  record_.service = flows::v1::FlowService::service_full_name();
  record_.method = method;
  record_.peer = context->peer();
  CallTrace trace = ReadCallTrace(context->client_metadata());
  record_.trace_id = std::move(trace.trace_id);
  record_.x_request_id = std::move(trace.x_request_id);
  record_.priority = ReadCallPriority(context->client_metadata());
}

bool GongCall::Authenticate() {
  // The client certificate's name (mutual TLS), whatever its token says:
  // logged beside the caller's name, which comes from the token.
  record_.peer_identity = auth::PeerIdentity(*context_->auth_context());
  // Without a tokens file every caller is one unnamed writer.
  std::optional<auth::Caller> caller =
      parts_.callers == nullptr
          ? auth::Caller{std::string(auth::kUnnamedCaller), auth::Role::kWriter}
          : parts_.callers->Authenticate(AuthorizationOf(*context_));
  if (!caller.has_value()) {
    record_.caller = std::string(auth::kUnauthenticatedCaller);
    parts_.observer->CallStarted(record_);
    ErrorDetails details;
    details.reason = "CALLER_UNAUTHENTICATED";
    FinishCall(MakeErrorStatus(grpc::StatusCode::UNAUTHENTICATED,
                               "this call needs 'authorization: Bearer <token>' with a "
                               "token the facade accepts",
                               details));
    return false;
  }
  // Set before the call goes further, so that everything after (the
  // steward's request too) knows whose call it is.
  record_.caller = std::move(caller->name);
  parts_.observer->CallStarted(record_);
  if (MayCall(caller->role, record_.method)) return true;
  ErrorDetails details;
  details.reason = "CALLER_NOT_ALLOWED";
  details.metadata["method"] = std::string(record_.method);
  details.metadata["role"] = std::string(auth::RoleName(caller->role));
  FinishCall(MakeErrorStatus(grpc::StatusCode::PERMISSION_DENIED,
                             NotAllowedMessage(record_.method), details));
  return false;
}

bool GongCall::AcceptPriority() {
  if (record_.priority.has_value()) return true;
  // The value is the caller's: not echoed, whatever it holds.
  ErrorDetails details;
  details.reason = "INVALID_PRIORITY";
  details.metadata["header"] = std::string(kPriorityHeader);
  FinishCall(MakeErrorStatus(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat(kPriorityHeader,
                   " must be \"interactive\" (the default when absent) or "
                   "\"background\", and not both"),
      details));
  return false;
}

void GongCall::FinishInvalid(const ViolationList& violations) {
  FinishCall(InvalidRequestStatus(violations));
}

absl::Time GongCall::UpstreamDeadline() const {
  const absl::Time now = parts_.clock->Now();
  return CallerDeadline(*context_, now).value_or(now + parts_.default_timeout);
}

void GongCall::Submit(GongSubmission submission) {
  // The call's own ids: the first submission's (a settled rest has fewer).
  if (record_.ids == 0) record_.ids = submission.ids;
  SubmitOther(std::move(submission),
              [this](quota::QuotaOutcome outcome) { OnOutcome(std::move(outcome)); });
}

void GongCall::SubmitOther(GongSubmission submission,
                           absl::AnyInvocable<void(quota::QuotaOutcome)> done) {
  // Whose request it is, for the log line of the Gong request that carries
  // it (merged or not); the caller is known by now (Authenticate).
  submission.request.calls = {
      upstream::CallTag{record_.caller, record_.trace_id, record_.x_request_id}};
  // Valid by now (AcceptPriority); were it not, the call would not jump
  // the queue. Callers take turns by name where they are named; unnamed
  // ones, all sharing one name, by their connection.
  submission.request.priority =
      record_.priority.value_or(upstream::Priority::kBackground);
  submission.request.queue_key =
      record_.caller != auth::kUnnamedCaller ? record_.caller : record_.peer;
  const quota::QuotaSteward::CallId id = parts_.steward->Submit(
      std::move(submission.request), std::move(submission.part), std::move(done));
  bool cancel_now;
  {
    absl::MutexLock lock(&mu_);
    call_id_ = id;
    cancel_now = cancelled_;
  }
  if (cancel_now) parts_.steward->Cancel(id);
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
    record_.gong_request_id = failed->request_id;
    status = GongErrorToStatus(*failed);
    error = std::move(*failed);
  } else {
    status = OnGongAnswer(std::get<upstream::GongAnswer>(std::move(outcome)), &record_,
                          &error);
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

// A call gRPC cancelled at its deadline reaches the caller as
// DEADLINE_EXCEEDED, whatever we answer: that is the code reported.
void GongCall::FinishCall(grpc::Status status) {
  record_.code = status.error_code();
  const absl::Time now = parts_.clock->Now();
  const std::optional<absl::Time> deadline = CallerDeadline(*context_, now);
  if (context_->IsCancelled() && deadline.has_value() && *deadline <= now) {
    record_.code = grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  record_.duration = now - started_;
  parts_.observer->CallFinished(record_);
  Finish(std::move(status));
}

}  // namespace gong::api::internal
