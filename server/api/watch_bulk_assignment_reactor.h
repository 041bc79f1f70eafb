// One WatchBulkAssignment stream: the caller checks every call passes
// (call_admission.h: token and rights, then the priority header), the
// request's validation, then a watcher of the job's shared poll
// (bulk_assignment_watches.h) that writes each state it is given and ends
// the stream as the watches say, or when the caller leaves.
//
// A slow reader holds at most one write in flight and the latest state not
// yet written: a newer state replaces an older one waiting, so a stream
// never queues more than two states however far behind its reader is.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/bulk_assignment_watches.h"
#include "api/call_admission.h"
#include "api/service_parts.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::api {

class WatchBulkAssignmentReactor final
    : public grpc::ServerWriteReactor<flows::v1::WatchBulkAssignmentResponse>,
      public BulkAssignmentWatcher {
 public:
  // `watches` outlives the call; `request` is the call's.
  WatchBulkAssignmentReactor(ServiceParts parts, BulkAssignmentWatches* watches,
                             grpc::CallbackServerContext* context,
                             const flows::v1::WatchBulkAssignmentRequest* request);

  // The one start of a call (FlowServiceImpl calls it once, right after
  // making the reactor).
  void Start();

  // From the watches (under their lock: never blocks).
  void OnState(std::shared_ptr<const upstream::BulkAssignmentResult> job) override;
  void OnEnd(grpc::Status status) override;

  // From gRPC.
  void OnWriteDone(bool ok) override;
  // The caller's cancel or deadline: this watch alone ends.
  void OnCancel() override;
  void OnDone() override;

 private:
  ~WatchBulkAssignmentReactor() override = default;

  void WriteLocked(std::shared_ptr<const upstream::BulkAssignmentResult> job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends the stream with `status` once the write in flight is done (the
  // first end asked for wins); the status to Finish with now, if any.
  [[nodiscard]] std::optional<grpc::Status> EndLocked(grpc::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The end's status when nothing is left to write (once), reported.
  [[nodiscard]] std::optional<grpc::Status> TakeFinishLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes the call with `finish`, if any. Never under mu_: OnDone may
  // delete the reactor as soon as Finish is called.
  void FinishIf(std::optional<grpc::Status> finish);
  // Ends a call refused before it watched anything.
  void Refuse(grpc::Status status);

  BulkAssignmentWatches* const watches_;
  CallAdmission admission_;
  const flows::v1::WatchBulkAssignmentRequest* const request_;

  absl::Mutex mu_;
  std::optional<BulkAssignmentWatches::WatchId> watch_ ABSL_GUARDED_BY(mu_);
  // The message of the write in flight: gRPC reads it until OnWriteDone.
  flows::v1::WatchBulkAssignmentResponse response_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // The newest state not yet written (only while a write is in flight).
  std::shared_ptr<const upstream::BulkAssignmentResult> pending_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace gong::api
