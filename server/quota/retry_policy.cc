#include "quota/retry_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace gong {

bool RefusedWithoutActing(const GongError& error) {
  if (error.kind != GongError::Kind::kHttpStatus) return false;
  switch (error.http_status) {
    case 400:
    case 404:
    case 409:
    case 422:
      return true;
  }
  return false;
}

bool NoneOfTheIdsExist(const GongError& error) {
  return error.kind == GongError::Kind::kHttpStatus && error.http_status == 400 &&
         std::any_of(error.errors.begin(), error.errors.end(), [](const std::string& text) {
           return absl::StrContains(absl::AsciiStrToLower(text), "does not exist");
         });
}

bool IsRetriable(const GongError& error) {
  switch (error.kind) {
    case GongError::Kind::kHttpStatus:
      return error.http_status == 429 || error.http_status == 503;
    case GongError::Kind::kTransport:
      // Never sent, or refused unprocessed (an HTTP/2 stream Gong refused):
      // sending it again cannot make Gong act twice. A TLS failure is not
      // transient, and a timeout has used up the deadline.
      return error.transport_failure == http::TransportFailure::kConnectFailed ||
             (error.transport_failure == http::TransportFailure::kConnectionDropped &&
              error.delivery != http::Delivery::kMaybeProcessed);
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
