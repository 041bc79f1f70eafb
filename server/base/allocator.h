// The memory allocator gong-flows-server runs on, and what the server asks
// of it. The build picks the implementation (GONG_ALLOCATOR in the top
// CMakeLists.txt): jemalloc (allocator_jemalloc.cc), or the system's
// (allocator_system.cc: glibc's, or the sanitizer's in a sanitizer build).
//
// jemalloc, because a call is some 150 small allocations made and freed on
// several threads (gRPC's, curl's): glibc's allocator, held to one arena to
// keep memory freed on one thread reusable by the others, put them all
// behind its lock, which cost CPU a call under load
// (docs/performance.md#hand-offs-taken-out-and-what-each-bought).
#pragma once

namespace gong::base {

// Settings the allocator needs before any thread starts; main calls it
// first.
void TuneAllocator();

// Hands back to the system the free pages the allocator keeps, after a burst
// of calls has gone (app/memory_trimmer.h).
void ReleaseFreeMemory();

}  // namespace gong::base
