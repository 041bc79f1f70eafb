// One ListFlowFolders call: validation, the page token (page_token.h, a
// folders' token, which ListFlows refuses), the folder listing's codec, and
// Gong's page turned into the response with the token of the next one. The
// rest of the call is the skeleton's (gong_call_reactor.h).
#pragma once

#include "api/gong_call_reactor.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "upstream/list_flow_folders_codec.h"

namespace gong::api {

class ListFlowFoldersReactor final
    : public GongCallReactor<upstream::ListFlowFoldersParams,
                             upstream::ListFlowFoldersResult> {
 public:
  // `request` and `response` are the call's.
  ListFlowFoldersReactor(ServiceParts parts, grpc::CallbackServerContext* context,
                         const flows::v1::ListFlowFoldersRequest* request,
                         flows::v1::ListFlowFoldersResponse* response);

 private:
  Validated<upstream::ListFlowFoldersParams> Validate() override;
  Encoded Encode(upstream::ListFlowFoldersParams params, absl::Time deadline) override;
  // A cursor too long to carry fails the call, as ListFlows' does.
  grpc::Status Fill(upstream::ListFlowFoldersResult result) override;

  const flows::v1::ListFlowFoldersRequest* const request_;
  flows::v1::ListFlowFoldersResponse* const response_;
  upstream::ListFlowFoldersParams query_;  // the filters the next token is issued for
};

}  // namespace gong::api
