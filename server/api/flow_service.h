// The gRPC face of the facade: gong.flows.v1.FlowService on the callback
// API. It validates each call, hands a plain request to the Gong client,
// and turns the outcome into the response or a status with details. No
// thread waits on Gong: each call finishes from the Gong client's callback.
#pragma once

#include "absl/time/time.h"
#include "auth/caller_tokens.h"
#include "api/call_observer.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gong/gong_client.h"

namespace gong {

class FlowServiceImpl final : public flows::v1::FlowService::CallbackService {
 public:
  // `gong`, `observer` and `callers` must outlive the service. With
  // `callers` (may be null) every call must bear one of its tokens.
  // `default_timeout` bounds the upstream request of a call that came
  // without a deadline.
  FlowServiceImpl(GongClient* gong, CallObserver* observer, CallerTokens* callers,
                  absl::Duration default_timeout);

  grpc::ServerUnaryReactor* UnassignByInstanceIds(
      grpc::CallbackServerContext* context,
      const flows::v1::UnassignByInstanceIdsRequest* request,
      flows::v1::UnassignByInstanceIdsResponse* response) override;

 private:
  GongClient* const gong_;
  CallObserver* const observer_;
  CallerTokens* const callers_;
  const absl::Duration default_timeout_;
};

// The response for a call whose distinct ids were `requested` and which
// Gong answered with `result` (exposed for tests): unassigned are the
// requested ids Gong listed, each once, in Gong's order (an id Gong listed
// twice, or one not asked for, is not passed on); still assigned are the
// others, in request order.
void FillResponse(const std::vector<std::string>& requested,
                  UnassignResult result,
                  flows::v1::UnassignByInstanceIdsResponse* response);

}  // namespace gong
