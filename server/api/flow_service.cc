#include "api/flow_service.h"

#include "api/assign_prospects_reactor.h"
#include "api/get_bulk_assignment_reactor.h"
#include "api/get_flow_steps_reactor.h"
#include "api/get_prospect_flows_reactor.h"
#include "api/list_flow_folders_reactor.h"
#include "api/list_flows_reactor.h"
#include "api/start_bulk_assignment_reactor.h"
#include "api/unassign_by_crm_id_reactor.h"
#include "api/unassign_by_instance_ids_reactor.h"
#include "api/watch_bulk_assignment_reactor.h"

namespace gong::api {

namespace v1 = flows::v1;

FlowServiceImpl::FlowServiceImpl(quota::QuotaSteward* steward, CallObserver* observer,
                                 auth::CallerTokens* callers,
                                 absl::Duration default_timeout, base::Clock* clock,
                                 idempotency::IdempotencyKeys* keys,
                                 absl::Duration settle_delay,
                                 absl::Duration bulk_poll_interval)
    : parts_{steward, observer, callers, default_timeout, clock, keys, settle_delay},
      // A poll is due within the service's default timeout, as a call
      // without a deadline of its own.
      bulk_assignment_watches_(steward, clock, observer, bulk_poll_interval,
                               default_timeout) {}

template <typename Reactor, typename... Args>
grpc::ServerUnaryReactor* FlowServiceImpl::Serve(Args... args) {
  auto* reactor = new Reactor(parts_, args...);
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByInstanceIds(
    grpc::CallbackServerContext* context, const v1::UnassignByInstanceIdsRequest* request,
    v1::UnassignByInstanceIdsResponse* response) {
  return Serve<UnassignByInstanceIdsReactor>(&unassign_by_instance_ids_coalescing_,
                                             context, request, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::GetProspectFlows(
    grpc::CallbackServerContext* context, const v1::GetProspectFlowsRequest* request,
    v1::GetProspectFlowsResponse* response) {
  return Serve<GetProspectFlowsReactor>(&get_prospect_flows_coalescing_, context, request,
                                        response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::ListFlows(grpc::CallbackServerContext* context,
                                                     const v1::ListFlowsRequest* request,
                                                     v1::ListFlowsResponse* response) {
  return Serve<ListFlowsReactor>(context, request, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::AssignProspects(
    grpc::CallbackServerContext* context, const v1::AssignProspectsRequest* request,
    v1::AssignProspectsResponse* response) {
  return Serve<AssignProspectsReactor>(context, request, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByCrmId(
    grpc::CallbackServerContext* context, const v1::UnassignByCrmIdRequest* request,
    v1::UnassignByCrmIdResponse* response) {
  return Serve<UnassignByCrmIdReactor>(context, request, response);
}

void FlowServiceImpl::EndWatches() {
  bulk_assignment_watches_.Close(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "the facade is shutting down: watch the bulk assignment again"));
}

grpc::ServerUnaryReactor* FlowServiceImpl::StartBulkAssignment(
    grpc::CallbackServerContext* context, const v1::StartBulkAssignmentRequest* request,
    v1::StartBulkAssignmentResponse* response) {
  return Serve<StartBulkAssignmentReactor>(context, request, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::GetBulkAssignment(
    grpc::CallbackServerContext* context, const v1::GetBulkAssignmentRequest* request,
    v1::GetBulkAssignmentResponse* response) {
  return Serve<GetBulkAssignmentReactor>(context, request, response);
}

grpc::ServerWriteReactor<v1::WatchBulkAssignmentResponse>*
FlowServiceImpl::WatchBulkAssignment(grpc::CallbackServerContext* context,
                                     const v1::WatchBulkAssignmentRequest* request) {
  auto* reactor =
      new WatchBulkAssignmentReactor(parts_, &bulk_assignment_watches_, context, request);
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* FlowServiceImpl::ListFlowFolders(
    grpc::CallbackServerContext* context, const v1::ListFlowFoldersRequest* request,
    v1::ListFlowFoldersResponse* response) {
  return Serve<ListFlowFoldersReactor>(context, request, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::GetFlowSteps(
    grpc::CallbackServerContext* context, const v1::GetFlowStepsRequest* request,
    v1::GetFlowStepsResponse* response) {
  return Serve<GetFlowStepsReactor>(&get_flow_steps_coalescing_, context, request,
                                    response);
}

}  // namespace gong::api
