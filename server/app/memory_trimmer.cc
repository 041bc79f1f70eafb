#include "app/memory_trimmer.h"

#include <utility>

#include "base/allocator.h"
#include "base/thread_name.h"

namespace gong::app {

MemoryTrimmer::MemoryTrimmer(std::function<size_t()> most_held, absl::Duration period,
                             size_t burst)
    : most_held_(std::move(most_held)), period_(period), burst_(burst), thread_([this] {
        base::NameThisThread("memory-trimmer");
        Run();
      }) {}

MemoryTrimmer::~MemoryTrimmer() {
  stop_.Notify();
  thread_.join();
}

int MemoryTrimmer::trims() const { return trims_.load(); }

void MemoryTrimmer::Run() {
  bool after_burst = false;
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    const size_t most = most_held_();
    if (most >= burst_) after_burst = true;
    if (most == 0 && after_burst) {
      base::ReleaseFreeMemory();
      trims_.fetch_add(1);
      after_burst = false;
    }
  }
}

}  // namespace gong::app
