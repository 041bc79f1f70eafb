#include "observability/metered_gong_client.h"

#include <utility>

namespace gong {

GongClient::CallId MeteredGongClient::Unassign(UnassignRequest request, absl::Time deadline,
                                               Callback done) {
  const size_t ids = request.flow_instance_ids.size();
  const absl::Time start = absl::Now();
  return inner_->Unassign(
      std::move(request), deadline,
      [this, ids, start, done = std::move(done)](UnassignOutcome outcome) mutable {
        const auto* error = std::get_if<GongError>(&outcome);
        const bool no_answer = error != nullptr && error->kind == GongError::Kind::kTransport;
        // A request cancelled because every caller left is not Gong's doing.
        if (!no_answer || error->transport_failure != http::TransportFailure::kCancelled) {
          const int status = error == nullptr ? 200 : no_answer ? 0 : error->http_status;
          metrics_->UpstreamRequest(status, absl::Now() - start, ids);
        }
        std::move(done)(std::move(outcome));
      });
}

}  // namespace gong
