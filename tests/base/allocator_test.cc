// Unit test for ReleaseFreeMemory (server/base/allocator.h) on jemalloc, the
// allocator gong-flows-server runs on: the pages a burst of calls freed go
// back to the system when asked, not ten seconds later or never. Built only
// where the server links jemalloc (not in sanitizer builds).
#include "base/allocator.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace gong::base {
namespace {

// Resident memory of this process, in MiB (/proc/self/statm's second field,
// in pages).
double ResidentMiB() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / (1 << 20);
}

TEST(AllocatorTest, ReleaseFreeMemoryGivesAFreedBurstBack) {
  // About what 6,000 waiting calls hold: 13 KiB blocks (the size of gRPC's
  // first arena block for a call), every page written.
  constexpr int kBlocks = 6000;
  constexpr size_t kBlockBytes = 13 * 1024;
  const double before = ResidentMiB();
  {
    std::vector<std::unique_ptr<char[]>> burst;
    for (int i = 0; i < kBlocks; ++i) {
      burst.emplace_back(new char[kBlockBytes]);
      std::memset(burst.back().get(), 1, kBlockBytes);
    }
    ASSERT_GT(ResidentMiB(), before + 60) << "the burst did not make the process grow";
  }
  // Freed, the pages still count: jemalloc keeps them for reuse.
  const double freed = ResidentMiB();
  ReleaseFreeMemory();
  const double released = ResidentMiB();
  EXPECT_LT(released, before + 16)
      << "before the burst " << before << " MiB, after freeing it " << freed
      << " MiB, after ReleaseFreeMemory " << released;
}

}  // namespace
}  // namespace gong::base
