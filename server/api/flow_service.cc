#include "api/flow_service.h"

#include "api/assign_prospects_reactor.h"
#include "api/get_prospect_flows_reactor.h"
#include "api/list_flows_reactor.h"
#include "api/unassign_by_crm_id_reactor.h"
#include "api/unassign_by_instance_ids_reactor.h"

namespace gong::api {

namespace v1 = flows::v1;

FlowServiceImpl::FlowServiceImpl(quota::QuotaSteward* steward, CallObserver* observer,
                                 auth::CallerTokens* callers,
                                 absl::Duration default_timeout)
    : parts_{steward, observer, callers, default_timeout} {}

template <typename Reactor, typename Request, typename... Args>
grpc::ServerUnaryReactor* FlowServiceImpl::Serve(const Request& request, Args... args) {
  auto* reactor = new Reactor(parts_, args...);
  reactor->Start(request);
  return reactor;
}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByInstanceIds(
    grpc::CallbackServerContext* context, const v1::UnassignByInstanceIdsRequest* request,
    v1::UnassignByInstanceIdsResponse* response) {
  return Serve<UnassignByInstanceIdsReactor>(
      *request, &unassign_by_instance_ids_coalescing_, context, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::GetProspectFlows(
    grpc::CallbackServerContext* context, const v1::GetProspectFlowsRequest* request,
    v1::GetProspectFlowsResponse* response) {
  return Serve<GetProspectFlowsReactor>(*request, &get_prospect_flows_coalescing_,
                                        context, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::ListFlows(grpc::CallbackServerContext* context,
                                                     const v1::ListFlowsRequest* request,
                                                     v1::ListFlowsResponse* response) {
  return Serve<ListFlowsReactor>(*request, context, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::AssignProspects(
    grpc::CallbackServerContext* context, const v1::AssignProspectsRequest* request,
    v1::AssignProspectsResponse* response) {
  return Serve<AssignProspectsReactor>(*request, context, response);
}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByCrmId(
    grpc::CallbackServerContext* context, const v1::UnassignByCrmIdRequest* request,
    v1::UnassignByCrmIdResponse* response) {
  return Serve<UnassignByCrmIdReactor>(*request, context, response);
}

}  // namespace gong::api
