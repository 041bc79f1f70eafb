// How long to wait before the next connection attempt: doubling from an
// initial delay up to a cap, each wait drawn at random from its upper half
// so that many facades that lost the same Redis do not all come back at
// the same instant, and never below half the current step, so a Redis that
// is down is not hammered.
#pragma once

#include <random>

#include "absl/time/time.h"

namespace gong::redis::internal {

class ReconnectBackoff {
 public:
  // `initial` is raised to 1 ms and `max` to `initial` if smaller.
  ReconnectBackoff(absl::Duration initial, absl::Duration max);

  // The wait before the next attempt, in [step / 2, step]; the step then
  // doubles, up to the cap.
  absl::Duration Next();
  // After a success: the next failure starts again from `initial`.
  void Reset();

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration step_;
  std::mt19937_64 random_;
};

}  // namespace gong::redis::internal
