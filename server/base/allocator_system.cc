#include <malloc.h>

#include "base/allocator.h"

namespace gong::base {

void TuneAllocator() {
  // One malloc arena rather than glibc's eight per core: memory freed on
  // one thread (gRPC's, curl's) is reused by the others instead of piling
  // up per thread. With curl's smaller receive buffer it lowers peak RSS
  // with many calls pending
  // (docs/performance.md#what-profiling-found-and-fixed). A sanitizer
  // ignores it.
  mallopt(M_ARENA_MAX, 1);
}

void ReleaseFreeMemory() {
  // glibc trims only the top of its heap on its own; the free pages
  // scattered below stay until asked for.
  malloc_trim(0);
}

}  // namespace gong::base
