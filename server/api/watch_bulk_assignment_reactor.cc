#include "api/watch_bulk_assignment_reactor.h"

#include <string>
#include <utility>

#include "api/invalid_request.h"
#include "api/proto_conversions.h"
#include "api/request_validation.h"
#include "auth/caller_tokens.h"

namespace gong::api {

WatchBulkAssignmentReactor::WatchBulkAssignmentReactor(
    ServiceParts parts, BulkAssignmentWatches* watches,
    grpc::CallbackServerContext* context,
    const flows::v1::WatchBulkAssignmentRequest* request)
    : watches_(watches),
      admission_(parts, context, "WatchBulkAssignment"),
      request_(request) {}

void WatchBulkAssignmentReactor::Start() {
  // As every call: the caller's token and rights first, then its priority
  // header, then the request; nothing is polled for a call refused.
  if (std::optional<grpc::Status> refused = admission_.Admit()) {
    Refuse(*std::move(refused));
    return;
  }
  Validated<upstream::GetBulkAssignmentParams> validated =
      ValidateWatchBulkAssignment(*request_);
  if (!validated.violations.empty()) {
    Refuse(internal::InvalidRequestStatus(validated.violations));
    return;
  }
  CallRecord& record = admission_.record();
  record.ids = 1;
  // Callers take turns by name where they are named; unnamed ones, all
  // sharing one name, by their connection (as gong_call_reactor.cc).
  std::string queue_key =
      record.caller != auth::kUnnamedCaller ? record.caller : record.peer;
  const BulkAssignmentWatches::WatchId watch = watches_->Add(
      validated.request.bulk_assignment_id, this,
      upstream::CallTag{record.caller, record.trace_id, record.x_request_id},
      std::move(queue_key));
  bool leave;
  {
    absl::MutexLock lock(&mu_);
    watch_ = watch;
    // Cancelled while it joined: OnCancel could not take it out.
    leave = cancelled_;
  }
  if (leave) watches_->Remove(watch);
}

void WatchBulkAssignmentReactor::Refuse(grpc::Status status) {
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    finish = EndLocked(std::move(status));
  }
  FinishIf(std::move(finish));
}

void WatchBulkAssignmentReactor::OnState(
    std::shared_ptr<const upstream::BulkAssignmentResult> job) {
  absl::MutexLock lock(&mu_);
  if (end_.has_value()) return;
  if (writing_) {
    pending_ = std::move(job);  // a newer state replaces one not yet written
    return;
  }
  WriteLocked(std::move(job));
}

void WatchBulkAssignmentReactor::OnEnd(grpc::Status status) {
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    watch_.reset();  // the watches took it out
    finish = EndLocked(std::move(status));
  }
  FinishIf(std::move(finish));
}

void WatchBulkAssignmentReactor::WriteLocked(
    std::shared_ptr<const upstream::BulkAssignmentResult> job) {
  admission_.record().gong_request_id = job->request_id;
  response_.Clear();
  internal::ToProto(*job, response_.mutable_bulk_assignment());
  writing_ = true;
  StartWrite(&response_);
}

void WatchBulkAssignmentReactor::OnWriteDone(bool ok) {
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      // A failed write: the stream is broken (OnCancel follows); nothing
      // more is written.
      pending_.reset();
      finish = EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
    } else if (pending_ != nullptr) {
      WriteLocked(std::move(pending_));
      pending_.reset();
    } else {
      finish = TakeFinishLocked();
    }
  }
  FinishIf(std::move(finish));
}

std::optional<grpc::Status> WatchBulkAssignmentReactor::EndLocked(grpc::Status status) {
  if (!end_.has_value()) end_ = std::move(status);
  // The states seen before the end go first (an error status says so).
  return TakeFinishLocked();
}

std::optional<grpc::Status> WatchBulkAssignmentReactor::TakeFinishLocked() {
  if (finished_ || !end_.has_value() || writing_ || pending_ != nullptr) {
    return std::nullopt;
  }
  finished_ = true;
  admission_.ReportFinished(end_->error_code());
  return *end_;
}

void WatchBulkAssignmentReactor::FinishIf(std::optional<grpc::Status> finish) {
  if (finish.has_value()) Finish(*std::move(finish));
}

void WatchBulkAssignmentReactor::OnCancel() {
  std::optional<BulkAssignmentWatches::WatchId> watch;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    watch = watch_;
  }
  // Not under our lock: the watches call us under theirs.
  if (watch.has_value()) watches_->Remove(*watch);
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    pending_.reset();
    finish =
        EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the caller left the watch"));
  }
  FinishIf(std::move(finish));
}

void WatchBulkAssignmentReactor::OnDone() {
  std::optional<BulkAssignmentWatches::WatchId> watch;
  {
    absl::MutexLock lock(&mu_);
    watch = watch_;
  }
  // Once Remove returns the watches never call this watcher again.
  if (watch.has_value()) watches_->Remove(*watch);
  delete this;
}

}  // namespace gong::api
