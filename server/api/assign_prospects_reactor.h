// One AssignProspects call: validation, the assign codec, and Gong's
// assigned and refused prospects turned into the response. A write: it is
// never merged with another call, and the steward resends it only where
// Gong surely did not act. The rest of the call is every method's
// (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

namespace gong::api {

class AssignProspectsReactor final : public GongCallReactor {
 public:
  AssignProspectsReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                         flows::v1::AssignProspectsResponse* response);

  void Start(const flows::v1::AssignProspectsRequest& request);

 private:
  grpc::Status OnGongAnswer(upstream::GongAnswer answer, CallRecord* record) override;

  flows::v1::AssignProspectsResponse* const response_;
};

}  // namespace gong::api
