#include "api/unassign_by_instance_ids_reactor.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "api/request_validation.h"

namespace gong::api {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

UnassignByInstanceIdsReactor::UnassignByInstanceIdsReactor(
    ServiceParts parts, const quota::UnassignByInstanceIdsCoalescing* coalescing,
    grpc::CallbackServerContext* context, const UnassignByInstanceIdsRequest* request,
    UnassignByInstanceIdsResponse* response)
    : GongCallReactor(parts, context, "UnassignByInstanceIds", request, response,
                      upstream::DecodeUnassignByInstanceIdsResponse,
                      &kUnassignByInstanceIdsSettlement),
      coalescing_(coalescing),
      request_(request),
      response_(response) {}

Validated<upstream::UnassignByInstanceIdsParams>
UnassignByInstanceIdsReactor::Validate() {
  return ValidateUnassignByInstanceIds(*request_);
}

UnassignByInstanceIdsReactor::Encoded UnassignByInstanceIdsReactor::Encode(
    upstream::UnassignByInstanceIdsParams params, absl::Time deadline) {
  // The call's ids, from its first encoding: settling a lost answer
  // encodes again with only the ids left, and the answer still covers all.
  if (requested_.empty()) requested_ = params.flow_instance_ids;
  GongSubmission submission;
  submission.request = upstream::EncodeUnassignByInstanceIds(params, deadline);
  submission.part = coalescing_->Part(std::move(params));
  submission.ids = params.flow_instance_ids.size();
  return submission;
}

grpc::Status UnassignByInstanceIdsReactor::Fill(
    upstream::UnassignByInstanceIdsResult result) {
  FillResponse(requested_, std::move(result), response_);
  return grpc::Status::OK;
}

void FillResponse(const std::vector<std::string>& requested,
                  upstream::UnassignByInstanceIdsResult result,
                  UnassignByInstanceIdsResponse* response) {
  absl::flat_hash_set<absl::string_view> pending(requested.begin(), requested.end());
  for (std::string& id : result.unassigned_flow_instance_ids) {
    // erase() is true once per requested id: repeats and strangers drop out.
    if (pending.erase(id) > 0) response->add_unassigned_flow_instance_ids(std::move(id));
  }
  for (const std::string& id : requested) {
    if (pending.contains(id)) response->add_still_assigned_flow_instance_ids(id);
  }
  response->set_request_id(std::move(result.request_id));
}

}  // namespace gong::api
