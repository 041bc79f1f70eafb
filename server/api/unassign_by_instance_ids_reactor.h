// One UnassignByInstanceIds call: validation, the unassign codec, unassign's
// coalescing, and Gong's answer turned into the response. The rest of the
// call is the skeleton's (gong_call_reactor.h).
#pragma once

#include <string>
#include <vector>

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "quota/unassign_by_instance_ids_coalescing.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::api {

class UnassignByInstanceIdsReactor final
    : public GongCallReactor<upstream::UnassignByInstanceIdsParams,
                             upstream::UnassignByInstanceIdsResult> {
 public:
  // `coalescing` outlives the call; `request` and `response` are the call's.
  UnassignByInstanceIdsReactor(ServiceParts parts,
                               const quota::UnassignByInstanceIdsCoalescing* coalescing,
                               grpc::CallbackServerContext* context,
                               const flows::v1::UnassignByInstanceIdsRequest* request,
                               flows::v1::UnassignByInstanceIdsResponse* response);

 private:
  Validated<upstream::UnassignByInstanceIdsParams> Validate() override;
  Encoded Encode(upstream::UnassignByInstanceIdsParams params,
                 absl::Time deadline) override;
  grpc::Status Fill(upstream::UnassignByInstanceIdsResult result) override;

  const quota::UnassignByInstanceIdsCoalescing* const coalescing_;
  const flows::v1::UnassignByInstanceIdsRequest* const request_;
  flows::v1::UnassignByInstanceIdsResponse* const response_;
  std::vector<std::string> requested_;  // the distinct ids asked for
};

// The response for a call whose distinct ids were `requested` and which
// Gong answered with `result` (exposed for tests): unassigned are the
// requested ids Gong listed, each once, in Gong's order (an id Gong listed
// twice, or one not asked for, such as another caller's in a merged
// request, is not passed on); still assigned are the others, in request
// order.
void FillResponse(const std::vector<std::string>& requested,
                  upstream::UnassignByInstanceIdsResult result,
                  flows::v1::UnassignByInstanceIdsResponse* response);

}  // namespace gong::api
