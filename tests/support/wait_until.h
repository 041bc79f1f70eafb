// Waiting in tests for something another thread or process does: poll a
// condition until a generous deadline rather than sleep a fixed time. A
// fixed sleep is either too short on a loaded machine (a flaky test) or
// needlessly long on a quiet one; a deadline of seconds costs nothing when
// the event comes early.
#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gong::support {

// Polls `condition` every `poll` until it holds (true) or `timeout` passes
// (its value then, normally false). A costly condition (a TLS handshake)
// wants a longer `poll`.
template <typename Condition>
bool WaitUntil(Condition condition, absl::Duration timeout = absl::Seconds(20),
               absl::Duration poll = absl::Milliseconds(2)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return condition();
    absl::SleepFor(poll);
  }
  return true;
}

}  // namespace gong::support
