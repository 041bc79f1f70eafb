// Time for the parts that wait (the limiter, retries): the current time and
// a way to run a task later. Injected, so tests drive time by hand instead
// of sleeping.
#pragma once

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace gong::base {

class Clock {
 public:
  using Task = absl::AnyInvocable<void() &&>;
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // Runs `task` once, at `when` or soon after, on a thread of the clock's
  // (never inside this call). Tasks cannot be withdrawn: a task that finds
  // nothing to do must be harmless.
  virtual void RunAt(absl::Time when, Task task) = 0;
};

// The real clock: absl::Now(), and one thread that runs the tasks in time
// order. Destruction drops tasks that are not yet due.
std::unique_ptr<Clock> MakeRealClock();

}  // namespace gong::base
