// The gRPC face of the facade: gong.flows.v1.FlowService on the callback
// API. Each method is a reactor of its own (unassign_reactor.h) that
// validates the call, encodes it with its endpoint's codec and reads Gong's
// answer into the response; what every call does besides (the caller's
// token, the quota steward, cancelling, the status table, the call's log
// line) is gong_call_reactor.h's. No thread waits on Gong.
#pragma once

#include "absl/time/time.h"
#include "api/call_observer.h"
#include "auth/caller_tokens.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/quota_steward.h"
#include "quota/unassign_coalescing.h"

namespace gong {

class FlowServiceImpl final : public flows::v1::FlowService::CallbackService {
 public:
  // `steward`, `observer` and `callers` must outlive the service. With
  // `callers` (may be null) every call must bear one of its tokens.
  // `default_timeout` bounds the Gong request of a call that came without
  // a deadline.
  FlowServiceImpl(QuotaSteward* steward, CallObserver* observer, CallerTokens* callers,
                  absl::Duration default_timeout);

  grpc::ServerUnaryReactor* UnassignByInstanceIds(
      grpc::CallbackServerContext* context,
      const flows::v1::UnassignByInstanceIdsRequest* request,
      flows::v1::UnassignByInstanceIdsResponse* response) override;

 private:
  QuotaSteward* const steward_;
  CallObserver* const observer_;
  CallerTokens* const callers_;
  const absl::Duration default_timeout_;
  const UnassignCoalescing unassign_coalescing_;
};

}  // namespace gong
