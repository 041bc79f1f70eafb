#include "quota/retry_policy.h"

#include <algorithm>

namespace gong {

bool IsRetriable(const GongError& error) {
  switch (error.kind) {
    case GongError::Kind::kHttpStatus:
      return error.http_status == 429 || error.http_status == 503;
    case GongError::Kind::kTransport:
      return error.transport_failure == http::TransportFailure::kConnectFailed;
    case GongError::Kind::kMalformedResponse:
    case GongError::Kind::kQueueFull:
    case GongError::Kind::kWouldMissDeadline:
      return false;
  }
  return false;
}

absl::Duration ExponentialBackoff::Delay(int attempt, absl::BitGenRef random) const {
  absl::Duration d = initial_;
  for (int i = 1; i < attempt && d < maximum_; ++i) d *= 2;
  d = std::min(d, maximum_);
  return d * absl::Uniform(random, 0.5, 1.0);
}

}  // namespace gong
