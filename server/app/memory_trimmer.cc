#include "app/memory_trimmer.h"

#include <malloc.h>

#include <algorithm>
#include <utility>

#include "base/thread_name.h"

namespace gong {

MemoryTrimmer::MemoryTrimmer(std::function<size_t()> calls, absl::Duration period,
                             size_t burst)
    : calls_(std::move(calls)), period_(period), burst_(burst), thread_([this] {
        NameThisThread("memory-trimmer");
        Run();
      }) {}

MemoryTrimmer::~MemoryTrimmer() {
  stop_.Notify();
  thread_.join();
}

int MemoryTrimmer::trims() const { return trims_.load(); }

void MemoryTrimmer::Run() {
  size_t peak = 0;
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    const size_t now = calls_();
    peak = std::max(peak, now);
    if (now == 0 && peak >= burst_) {
      malloc_trim(0);
      trims_.fetch_add(1);
      peak = 0;
    }
  }
}

}  // namespace gong
