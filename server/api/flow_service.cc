#include "api/flow_service.h"

#include <chrono>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/error_details.h"
#include "api/request_validation.h"
#include "api/status_mapping.h"

namespace gong {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

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
  std::string message = absl::StrCat("invalid request: ", violations[0].field,
                                     " ", violations[0].description);
  if (violations.size() > 1) {
    absl::StrAppend(&message, " (and ", violations.size() - 1,
                    " more; see BadRequest)");
  }
  ErrorDetails details;
  details.reason = "INVALID_REQUEST";
  details.field_violations = std::move(violations);
  return MakeErrorStatus(grpc::StatusCode::INVALID_ARGUMENT, std::move(message),
                         details);
}

// One UnassignByInstanceIds call. The Gong callback may call Finish() before
// Start() returns; gRPC holds that Finish until the handler has returned
// the reactor, so OnDone (which deletes it) always comes after Start().
class UnassignReactor final : public grpc::ServerUnaryReactor {
 public:
  UnassignReactor(GongClient* gong, CallObserver* observer,
                  grpc::CallbackServerContext* context,
                  UnassignByInstanceIdsResponse* response)
      : gong_(gong), observer_(observer), context_(context), response_(response) {
    record_.service = kServiceName;
    record_.method = kMethodName;
    record_.peer = context->peer();
    observer_->CallStarted(kServiceName, kMethodName);
  }

  void Start(const UnassignByInstanceIdsRequest& request, CallerTokens* callers,
             absl::Duration default_timeout) {
    if (callers != nullptr && !callers->Accepts(AuthorizationOf(*context_))) {
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
    } else {
      requested_ = validated.request.flow_instance_ids;
      record_.ids = requested_.size();
      const GongClient::CallId id = gong_->Unassign(
          std::move(validated.request), UpstreamDeadline(*context_, default_timeout),
          [this](UnassignOutcome outcome) { OnGongAnswer(std::move(outcome)); });
      bool cancel_now;
      {
        absl::MutexLock lock(&mu_);
        call_id_ = id;
        cancel_now = cancelled_;
      }
      if (cancel_now) gong_->Cancel(id);
    }
  }

  void OnCancel() override {
    std::optional<GongClient::CallId> id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = call_id_;
    }
    // Aborts the upstream request; its callback then finishes this call.
    if (id.has_value()) gong_->Cancel(*id);
  }

  void OnDone() override { delete this; }

 private:
  static constexpr absl::string_view kServiceName = "gong.flows.v1.FlowService";
  static constexpr absl::string_view kMethodName = "UnassignByInstanceIds";

  void OnGongAnswer(UnassignOutcome outcome) {
    if (auto* result = std::get_if<UnassignResult>(&outcome)) {
      record_.gong_request_id = result->request_id;
      FillResponse(requested_, std::move(*result), response_);
      FinishCall(grpc::Status::OK);
    } else {
      const GongError& error = std::get<GongError>(outcome);
      record_.gong_request_id = error.gong_request_id;
      FinishCall(GongErrorToStatus(error));
    }
  }

  // Finish, reporting the code the caller sees: a call gRPC cancelled at its
  // deadline reaches the caller as DEADLINE_EXCEEDED, whatever we answer.
  void FinishCall(grpc::Status status) {
    record_.code = status.error_code();
    if (context_->IsCancelled() &&
        context_->deadline() <= std::chrono::system_clock::now()) {
      record_.code = grpc::StatusCode::DEADLINE_EXCEEDED;
    }
    record_.duration = absl::Now() - started_;
    observer_->CallFinished(record_);
    Finish(std::move(status));
  }

  GongClient* const gong_;
  CallObserver* const observer_;
  grpc::CallbackServerContext* const context_;
  UnassignByInstanceIdsResponse* const response_;
  const absl::Time started_ = absl::Now();
  std::vector<std::string> requested_;
  CallRecord record_;

  absl::Mutex mu_;
  std::optional<GongClient::CallId> call_id_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

void FillResponse(const std::vector<std::string>& requested,
                  UnassignResult result,
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

FlowServiceImpl::FlowServiceImpl(GongClient* gong, CallObserver* observer,
                                 CallerTokens* callers, absl::Duration default_timeout)
    : gong_(gong), observer_(observer), callers_(callers), default_timeout_(default_timeout) {}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByInstanceIds(
    grpc::CallbackServerContext* context,
    const UnassignByInstanceIdsRequest* request,
    UnassignByInstanceIdsResponse* response) {
  auto* reactor = new UnassignReactor(gong_, observer_, context, response);
  reactor->Start(*request, callers_, default_timeout_);
  return reactor;
}

}  // namespace gong
