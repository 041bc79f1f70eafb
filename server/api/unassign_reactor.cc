#include "api/unassign_reactor.h"

#include <chrono>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "api/error_details.h"
#include "api/request_validation.h"
#include "api/status_mapping.h"

namespace gong {
namespace {

using flows::v1::FlowService;
using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

constexpr absl::string_view kMethodName = "UnassignByInstanceIds";

// The caller's deadline, or now + `fallback` when the caller set none.
absl::Time UpstreamDeadline(const grpc::CallbackServerContext& context,
                            absl::Duration fallback) {
  const auto deadline = context.deadline();
  const auto now = std::chrono::system_clock::now();
  // No deadline reads as time_point::max(); anything a century out is "none".
  if (deadline - now > std::chrono::hours(24 * 365 * 100)) {
    return absl::Now() + fallback;
  }
  return absl::FromChrono(deadline);
}

// The caller's authorization metadata, or "".
absl::string_view AuthorizationOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return absl::string_view(it->second.data(), it->second.size());
}

grpc::Status InvalidRequestStatus(std::vector<FieldViolation> violations) {
  std::string message = absl::StrCat("invalid request: ", violations[0].field, " ",
                                     violations[0].description);
  if (violations.size() > 1) {
    absl::StrAppend(&message, " (and ", violations.size() - 1, " more; see BadRequest)");
  }
  ErrorDetails details;
  details.reason = "INVALID_REQUEST";
  details.field_violations = std::move(violations);
  return MakeErrorStatus(grpc::StatusCode::INVALID_ARGUMENT, std::move(message), details);
}

}  // namespace

UnassignReactor::UnassignReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                                 UnassignByInstanceIdsResponse* response)
    : parts_(parts), context_(context), response_(response) {
  record_.service = FlowService::service_full_name();
  record_.method = kMethodName;
  record_.peer = context->peer();
  parts_.observer->CallStarted(record_.service, record_.method);
}

void UnassignReactor::Start(const UnassignByInstanceIdsRequest& request) {
  if (parts_.callers != nullptr && !parts_.callers->Accepts(AuthorizationOf(*context_))) {
    ErrorDetails details;
    details.reason = "CALLER_UNAUTHENTICATED";
    FinishCall(MakeErrorStatus(grpc::StatusCode::UNAUTHENTICATED,
                               "this call needs 'authorization: Bearer <token>' with a "
                               "token the facade accepts",
                               details));
    return;
  }
  ValidatedRequest validated = ValidateUnassignRequest(request);
  if (!validated.violations.empty()) {
    FinishCall(InvalidRequestStatus(std::move(validated.violations)));
    return;
  }
  requested_ = validated.request.flow_instance_ids;
  record_.ids = requested_.size();
  GongRequest gong_request = EncodeUnassign(
      validated.request, UpstreamDeadline(*context_, parts_.default_timeout));
  const QuotaSteward::CallId id = parts_.steward->Submit(
      std::move(gong_request), parts_.coalescing->Part(std::move(validated.request)),
      [this](QuotaOutcome outcome) { OnOutcome(std::move(outcome)); });
  bool cancel_now;
  {
    absl::MutexLock lock(&mu_);
    call_id_ = id;
    cancel_now = cancelled_;
  }
  if (cancel_now) parts_.steward->Cancel(id);
}

void UnassignReactor::OnCancel() {
  std::optional<QuotaSteward::CallId> id;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    id = call_id_;
  }
  // Ends the call in the steward; its callback then finishes this call.
  if (id.has_value()) parts_.steward->Cancel(*id);
}

void UnassignReactor::OnOutcome(QuotaOutcome outcome) {
  if (auto* refusal = std::get_if<QuotaRefusal>(&outcome)) {
    FinishCall(QuotaRefusalToStatus(*refusal));
    return;
  }
  UnassignOutcome decoded =
      std::holds_alternative<GongAnswer>(outcome)
          ? DecodeUnassignOutcome(std::get<GongAnswer>(std::move(outcome)))
          : UnassignOutcome(std::get<GongError>(std::move(outcome)));
  if (auto* result = std::get_if<UnassignResult>(&decoded)) {
    record_.gong_request_id = result->request_id;
    FillResponse(requested_, std::move(*result), response_);
    FinishCall(grpc::Status::OK);
  } else {
    const GongError& error = std::get<GongError>(decoded);
    record_.gong_request_id = error.request_id;
    FinishCall(GongErrorToStatus(error));
  }
}

// A call gRPC cancelled at its deadline reaches the caller as
// DEADLINE_EXCEEDED, whatever we answer: that is the code reported.
void UnassignReactor::FinishCall(grpc::Status status) {
  record_.code = status.error_code();
  if (context_->IsCancelled() &&
      context_->deadline() <= std::chrono::system_clock::now()) {
    record_.code = grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  record_.duration = absl::Now() - started_;
  parts_.observer->CallFinished(record_);
  Finish(std::move(status));
}

void FillResponse(const std::vector<std::string>& requested, UnassignResult result,
                  UnassignByInstanceIdsResponse* response) {
  absl::flat_hash_set<absl::string_view> pending(requested.begin(), requested.end());
  for (std::string& id : result.unassigned_flow_instance_ids) {
    // erase() is true once per requested id: repeats and strangers drop out.
    if (pending.erase(id) > 0) response->add_unassigned_flow_instance_ids(std::move(id));
  }
  for (const std::string& id : requested) {
    if (pending.contains(id)) response->add_still_assigned_flow_instance_ids(id);
  }
  response->set_request_id(std::move(result.request_id));
}

}  // namespace gong
