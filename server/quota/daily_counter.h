// Counts Gong requests per UTC day, the period of Gong's daily quota: the
// steward's own count, internal to it.
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace gong::quota::internal {

// The UTC day that holds `t`, counted from the Unix epoch.
int64_t UtcDayOf(absl::Time t);
// The UTC midnight that ends the day holding `t`: when the day's count, and
// Gong's daily quota, start again.
absl::Time NextUtcMidnight(absl::Time t);

class DailyRequestCounter {
 public:
  // Counts one request at `now`; returns the day's count so far (1 for the
  // first request of a new UTC day).
  int64_t Count(absl::Time now);

  // The count of the UTC day that holds `now` (0 on a day with none yet).
  int64_t Today(absl::Time now) const;

 private:
  int64_t day_ = -1;
  int64_t count_ = 0;
};

}  // namespace gong::quota::internal
