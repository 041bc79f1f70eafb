#include "api/call_admission.h"

#include <grpc/support/time.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/call_priority.h"
#include "api/error_details.h"
#include "api/method_access.h"
#include "api/trace_context.h"
#include "auth/peer_identity.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::api {
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

}  // namespace

CallAdmission::CallAdmission(const ServiceParts& parts,
                             grpc::CallbackServerContext* context,
                             absl::string_view method)
    : parts_(parts), context_(context), started_(parts.clock->Now()) {
  record_.service = flows::v1::FlowService::service_full_name();
  record_.method = method;
  record_.peer = context->peer();
  internal::CallTrace trace = internal::ReadCallTrace(context->client_metadata());
  record_.trace_id = std::move(trace.trace_id);
  record_.x_request_id = std::move(trace.x_request_id);
  record_.priority = ReadCallPriority(context->client_metadata());
}

std::optional<grpc::Status> CallAdmission::Admit() {
  // First: a caller without a valid token, or without the right to this
  // method, learns nothing of its request, not even of its headers.
  if (std::optional<grpc::Status> refused = Authenticate()) return refused;
  // Before the method's own validation: a caller learns of a bad header
  // whatever its request holds.
  return AcceptPriority();
}

std::optional<grpc::Status> CallAdmission::Authenticate() {
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
    return MakeErrorStatus(grpc::StatusCode::UNAUTHENTICATED,
                           "this call needs 'authorization: Bearer <token>' with a "
                           "token the facade accepts",
                           details);
  }
  // Set before the call goes further, so that everything after (the
  // steward's request too) knows whose call it is.
  record_.caller = std::move(caller->name);
  parts_.observer->CallStarted(record_);
  if (MayCall(caller->role, record_.method)) return std::nullopt;
  ErrorDetails details;
  details.reason = "CALLER_NOT_ALLOWED";
  details.metadata["method"] = std::string(record_.method);
  details.metadata["role"] = std::string(auth::RoleName(caller->role));
  return MakeErrorStatus(grpc::StatusCode::PERMISSION_DENIED,
                         NotAllowedMessage(record_.method), details);
}

std::optional<grpc::Status> CallAdmission::AcceptPriority() {
  if (record_.priority.has_value()) return std::nullopt;
  // The value is the caller's: not echoed, whatever it holds.
  ErrorDetails details;
  details.reason = "INVALID_PRIORITY";
  details.metadata["header"] = std::string(kPriorityHeader);
  return MakeErrorStatus(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat(kPriorityHeader,
                   " must be \"interactive\" (the default when absent) or "
                   "\"background\", and not both"),
      details);
}

// Not from context.deadline(): that converts to system_clock nanoseconds,
// which wrap for a deadline about 292 years away or more (grpc-timeout:
// 2600000H) and so read as long past. The raw gpr_timespec holds any
// deadline gRPC does.
std::optional<absl::Time> CallAdmission::CallerDeadline() const {
  const absl::Time now = parts_.clock->Now();
  const gpr_timespec raw =
      gpr_convert_clock_type(context_->raw_deadline(), GPR_CLOCK_REALTIME);
  if (raw.tv_sec == std::numeric_limits<int64_t>::max()) return std::nullopt;
  const absl::Time deadline =
      absl::FromUnixSeconds(raw.tv_sec) + absl::Nanoseconds(raw.tv_nsec);
  if (deadline - now > kNoDeadlineBeyond) return std::nullopt;
  return deadline;
}

absl::Time CallAdmission::UpstreamDeadline() const {
  return CallerDeadline().value_or(parts_.clock->Now() + parts_.default_timeout);
}

// A call gRPC cancelled at its deadline reaches the caller as
// DEADLINE_EXCEEDED, whatever we answer: that is the code reported.
void CallAdmission::ReportFinished(grpc::StatusCode code) {
  record_.code = code;
  const absl::Time now = parts_.clock->Now();
  const std::optional<absl::Time> deadline = CallerDeadline();
  if (context_->IsCancelled() && deadline.has_value() && *deadline <= now) {
    record_.code = grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  record_.duration = now - started_;
  parts_.observer->CallFinished(record_);
}

}  // namespace gong::api
