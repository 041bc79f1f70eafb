// One UnassignByCrmId call: validation (exactly one of a flow and all
// flows), the unassign-by-CRM-id codec, and the instances Gong removed. A
// write: never merged, resent only where Gong surely did not act. The rest
// of the call is every method's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::api {

class UnassignByCrmIdReactor final : public GongCallReactor {
 public:
  UnassignByCrmIdReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                         flows::v1::UnassignByCrmIdResponse* response);

  void Start(const flows::v1::UnassignByCrmIdRequest& request);

 private:
  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) override;

  flows::v1::UnassignByCrmIdResponse* const response_;
};

}  // namespace gong::api
