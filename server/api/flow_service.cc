#include "api/flow_service.h"

#include "api/unassign_reactor.h"

namespace gong {

FlowServiceImpl::FlowServiceImpl(QuotaSteward* steward, CallObserver* observer,
                                 CallerTokens* callers, absl::Duration default_timeout)
    : steward_(steward),
      observer_(observer),
      callers_(callers),
      default_timeout_(default_timeout) {}

grpc::ServerUnaryReactor* FlowServiceImpl::UnassignByInstanceIds(
    grpc::CallbackServerContext* context,
    const flows::v1::UnassignByInstanceIdsRequest* request,
    flows::v1::UnassignByInstanceIdsResponse* response) {
  auto* reactor = new UnassignReactor({steward_, observer_, callers_, default_timeout_},
                                      &unassign_coalescing_, context, response);
  reactor->Start(*request);
  return reactor;
}

}  // namespace gong
