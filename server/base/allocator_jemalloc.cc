#include <jemalloc/jemalloc.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "base/allocator.h"

// jemalloc reads its settings from this variable as it starts, before main.
// One arena, not jemalloc's four a core: each thread's cache already keeps
// most allocations off the arena's lock, and memory freed on one thread
// (gRPC's, curl's) is then reused by all. It holds less memory with many
// calls pending than four arenas a core, at the same CPU a call
// (docs/performance.md#hand-offs-taken-out-and-what-each-bought).
const char* malloc_conf = "narenas:1";

namespace gong::base {

void TuneAllocator() {}  // all in malloc_conf, read before main

void ReleaseFreeMemory() {
  // jemalloc returns freed pages on its own only slowly (ten seconds'
  // decay, and only while something allocates): purge every arena now.
  static const std::string kPurgeAll =
      absl::StrCat("arena.", MALLCTL_ARENAS_ALL, ".purge");
  mallctl(kPurgeAll.c_str(), nullptr, nullptr, nullptr, 0);
}

}  // namespace gong::base
