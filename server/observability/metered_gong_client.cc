#include "observability/metered_gong_client.h"

#include <utility>

namespace gong::observability {

upstream::GongClient::CallId MeteredGongClient::Send(upstream::GongRequest request,
                                                     Callback done) {
  const size_t items = request.items;
  // A codec's constant: a bounded label.
  std::string endpoint = request.endpoint.empty() ? request.path : request.endpoint;
  const absl::Time start = absl::Now();
  return inner_->Send(
      std::move(request),
      [this, items, start, endpoint = std::move(endpoint),
       done = std::move(done)](upstream::GongOutcome outcome) mutable {
        const auto* error = std::get_if<upstream::GongError>(&outcome);
        // A request cancelled because every caller left is not Gong's doing.
        if (error == nullptr || error->kind != upstream::GongError::Kind::kCancelled) {
          const int status = error == nullptr
                                 ? std::get<upstream::GongAnswer>(outcome).http_status
                             : error->answered() ? error->http_status
                                                 : 0;
          metrics_->UpstreamRequest(endpoint, status, absl::Now() - start, items);
        }
        std::move(done)(std::move(outcome));
      });
}

}  // namespace gong::observability
