// FUZZ_CHECK: an invariant of the code under fuzzing. A violation aborts,
// which libFuzzer reports as a crash and saves the input that caused it, so
// that a wrong answer is found as surely as a memory error.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                     \
  do {                                                                            \
    if (!(condition)) {                                                           \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, \
                   #condition);                                                   \
      std::abort();                                                               \
    }                                                                             \
  } while (false)
