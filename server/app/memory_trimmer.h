// Gives memory back to the system after a burst of calls. A burst of
// thousands of waiting calls grows the heap by kilobytes a call (gRPC's
// per-call state above all); when they have gone, the allocator keeps the
// freed pages, and the replica's RSS stays at its peak, against the
// container's memory limit, until the next burst. So once the facade has
// been busy and is idle again, it hands the free pages back
// (ReleaseFreeMemory, base/allocator.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace gong::app {

class MemoryTrimmer {
 public:
  // Every `period` it reads `most_held`: the most calls the facade held at
  // once since the previous read (QuotaSteward::TakeMostHeld). After a
  // period in which at least `burst` were held, the first period in which
  // none was held at all is followed by a trim. A read, not a sample of the
  // calls held now: a burst shorter than a period is seen too. A whole
  // quiet period: the steward lets a call go a moment before gRPC frees the
  // call's own memory (the larger part). The thread sleeps in between:
  // nothing on any call's path.
  MemoryTrimmer(std::function<size_t()> most_held, absl::Duration period, size_t burst);
  ~MemoryTrimmer();  // stops and joins the thread

  // How many times it has trimmed (for tests).
  int trims() const;

 private:
  void Run();

  const std::function<size_t()> most_held_;
  const absl::Duration period_;
  const size_t burst_;
  absl::Notification stop_;
  std::atomic<int> trims_{0};
  std::thread thread_;
};

}  // namespace gong::app
