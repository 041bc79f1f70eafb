#include "api/unassign_by_instance_ids_reactor.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "api/request_validation.h"

namespace gong::api {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

UnassignByInstanceIdsReactor::UnassignByInstanceIdsReactor(
    ServiceParts parts, const quota::UnassignByInstanceIdsCoalescing* coalescing,
    grpc::CallbackServerContext* context, UnassignByInstanceIdsResponse* response)
    : GongCallReactor(parts, context, "UnassignByInstanceIds"),
      coalescing_(coalescing),
      response_(response) {}

void UnassignByInstanceIdsReactor::Start(const UnassignByInstanceIdsRequest& request) {
  if (!Authenticate()) return;
  ValidatedRequest validated = ValidateUnassignByInstanceIds(request);
  if (!validated.violations.empty()) {
    FinishInvalid(validated.violations);
    return;
  }
  requested_ = validated.request.flow_instance_ids;
  upstream::GongRequest gong_request =
      upstream::EncodeUnassignByInstanceIds(validated.request, UpstreamDeadline());
  Submit(std::move(gong_request), coalescing_->Part(std::move(validated.request)),
         requested_.size());
}

grpc::Status UnassignByInstanceIdsReactor::OnGongAnswer(upstream::GongAnswer answer,
                                                        CallRecord* record) {
  return ReadAnswer(std::move(answer), record,
                    upstream::DecodeUnassignByInstanceIdsOutcome,
                    [this](upstream::UnassignByInstanceIdsResult result) {
                      FillResponse(requested_, std::move(result), response_);
                    });
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
