#include "quota/retry_policy.h"

#include <algorithm>
#include <variant>

namespace gong::quota {

bool RefusedWithoutActing(const upstream::GongError& error) {
  if (error.kind != upstream::GongError::Kind::kHttpStatus) return false;
  switch (error.http_status) {
    case 400:
    case 404:
    case 409:
    case 422:
      return true;
  }
  return false;
}

bool IsRetriable(const upstream::GongError& error, upstream::Idempotency idempotency) {
  const bool read = idempotency == upstream::Idempotency::kIdempotent;
  switch (error.kind) {
    case upstream::GongError::Kind::kHttpStatus:
      switch (error.http_status) {
        case 429:
        case 503:
          return true;
        case 500:
        case 502:
        case 504:
          return read;
      }
      return false;
    case upstream::GongError::Kind::kConnectFailed:
      return true;
    case upstream::GongError::Kind::kConnectionDropped:
      // Refused unprocessed (an HTTP/2 stream Gong refused): sending it
      // again cannot make Gong act twice.
      return read || !error.may_have_acted;
    case upstream::GongError::Kind::kTimedOut:    // the deadline is used up
    case upstream::GongError::Kind::kTlsFailure:  // not transient
    case upstream::GongError::Kind::kCancelled:
    case upstream::GongError::Kind::kNoAnswer:
    case upstream::GongError::Kind::kMalformedAnswer:
      return false;
  }
  return false;
}

AnswerAction DecideOnAnswer(const upstream::GongOutcome& outcome, const BatchFacts& batch,
                            int max_attempts) {
  const upstream::GongError* error = std::get_if<upstream::GongError>(&outcome);
  if (error == nullptr) return AnswerAction::kComplete;
  if (batch.callers > 0 && error->credentials_changed && !batch.resent_for_credentials) {
    return AnswerAction::kResend;
  }
  const int counted_attempts = batch.attempts - (batch.resent_for_credentials ? 1 : 0);
  if (batch.callers > 0 && IsRetriable(*error, batch.idempotency) &&
      counted_attempts < max_attempts) {
    return AnswerAction::kRetry;
  }
  const bool others_sent =
      batch.callers > 1 || (batch.callers == 1 && batch.left_while_sent);
  if (others_sent && batch.policy != nullptr && RefusedWithoutActing(*error) &&
      !batch.policy->RefusalHoldsForEveryPart(*error)) {
    return AnswerAction::kSplit;
  }
  return AnswerAction::kComplete;
}

absl::Duration ExponentialBackoff::Delay(int attempt, absl::BitGenRef random) const {
  absl::Duration d = initial_;
  for (int i = 1; i < attempt && d < maximum_; ++i) d *= 2;
  d = std::min(d, maximum_);
  return d * absl::Uniform(random, 0.5, 1.0);
}

}  // namespace gong::quota
