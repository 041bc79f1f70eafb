// The gRPC face of the facade: gong.flows.v1.FlowService on the callback
// API. Each method is a reactor of its own, named after the RPC
// (<rpc>_reactor.h), that validates the call, encodes it with its
// endpoint's codec and fills the response from Gong's answer; the order of
// the steps, and what every call does besides (the caller's token and its
// rights, first, the quota steward, cancelling, the status table, the
// call's log line), is the skeleton's (gong_call_reactor.h). No thread
// waits on Gong.
#pragma once

#include "absl/time/time.h"
#include "api/bulk_assignment_watches.h"
#include "api/call_observer.h"
#include "api/gong_call_reactor.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/get_flow_steps_coalescing.h"
#include "quota/get_prospect_flows_coalescing.h"
#include "quota/quota_steward.h"
#include "quota/unassign_by_instance_ids_coalescing.h"

namespace gong::api {

class FlowServiceImpl final : public flows::v1::FlowService::CallbackService {
 public:
  // `steward`, `observer`, `callers` and `clock` must outlive the service.
  // With `callers` (may be null) every call must bear one of its tokens,
  // and a reader's token lets in only the read methods (method_access.h).
  // `default_timeout` bounds the Gong request of a call that came without
  // a deadline, from `clock`'s now.
  // `keys` (may be null: a write with a key is refused) keep writes'
  // idempotency keys; `settle_delay` is how long a write whose answer was
  // lost waits before it reads Gong's state (zero: it does not).
  // `bulk_poll_interval` is how long after a watched bulk assignment's last
  // poll answered it is polled again (bulk_assignment_watches.h).
  FlowServiceImpl(quota::QuotaSteward* steward, CallObserver* observer,
                  auth::CallerTokens* callers, absl::Duration default_timeout,
                  base::Clock* clock, idempotency::IdempotencyKeys* keys = nullptr,
                  absl::Duration settle_delay = absl::ZeroDuration(),
                  absl::Duration bulk_poll_interval = absl::Seconds(5));

  // Ends every WatchBulkAssignment stream UNAVAILABLE, and each one
  // started later at once: the server is shutting down, and its watchers
  // watch again on another replica rather than hold the shutdown up.
  void EndWatches();

  grpc::ServerUnaryReactor* UnassignByInstanceIds(
      grpc::CallbackServerContext* context,
      const flows::v1::UnassignByInstanceIdsRequest* request,
      flows::v1::UnassignByInstanceIdsResponse* response) override;
  grpc::ServerUnaryReactor* GetProspectFlows(
      grpc::CallbackServerContext* context,
      const flows::v1::GetProspectFlowsRequest* request,
      flows::v1::GetProspectFlowsResponse* response) override;
  grpc::ServerUnaryReactor* ListFlows(grpc::CallbackServerContext* context,
                                      const flows::v1::ListFlowsRequest* request,
                                      flows::v1::ListFlowsResponse* response) override;
  grpc::ServerUnaryReactor* AssignProspects(
      grpc::CallbackServerContext* context,
      const flows::v1::AssignProspectsRequest* request,
      flows::v1::AssignProspectsResponse* response) override;
  grpc::ServerUnaryReactor* UnassignByCrmId(
      grpc::CallbackServerContext* context,
      const flows::v1::UnassignByCrmIdRequest* request,
      flows::v1::UnassignByCrmIdResponse* response) override;
  grpc::ServerUnaryReactor* StartBulkAssignment(
      grpc::CallbackServerContext* context,
      const flows::v1::StartBulkAssignmentRequest* request,
      flows::v1::StartBulkAssignmentResponse* response) override;
  grpc::ServerUnaryReactor* GetBulkAssignment(
      grpc::CallbackServerContext* context,
      const flows::v1::GetBulkAssignmentRequest* request,
      flows::v1::GetBulkAssignmentResponse* response) override;
  // A stream (watch_bulk_assignment_reactor.h) through the same caller
  // checks; its polls are the watches'.
  grpc::ServerWriteReactor<flows::v1::WatchBulkAssignmentResponse>* WatchBulkAssignment(
      grpc::CallbackServerContext* context,
      const flows::v1::WatchBulkAssignmentRequest* request) override;
  grpc::ServerUnaryReactor* ListFlowFolders(
      grpc::CallbackServerContext* context,
      const flows::v1::ListFlowFoldersRequest* request,
      flows::v1::ListFlowFoldersResponse* response) override;
  grpc::ServerUnaryReactor* GetFlowSteps(
      grpc::CallbackServerContext* context, const flows::v1::GetFlowStepsRequest* request,
      flows::v1::GetFlowStepsResponse* response) override;

 private:
  // Each call makes its reactor and starts it (gong_call_reactor.h); the
  // reactor deletes itself when done.
  template <typename Reactor, typename... Args>
  grpc::ServerUnaryReactor* Serve(Args... args);

  const ServiceParts parts_;
  const quota::UnassignByInstanceIdsCoalescing unassign_by_instance_ids_coalescing_;
  const quota::GetProspectFlowsCoalescing get_prospect_flows_coalescing_;
  // Every watched bulk assignment's one poll; its streams end before the
  // service goes (the server shuts down first).
  BulkAssignmentWatches bulk_assignment_watches_;
  const quota::GetFlowStepsCoalescing get_flow_steps_coalescing_;
};

}  // namespace gong::api
