#include "quota/daily_counter.h"

namespace gong::quota::internal {

int64_t UtcDayOf(absl::Time t) {
  return absl::ToUnixSeconds(t) / 86400 - (absl::ToUnixSeconds(t) % 86400 < 0);
}

absl::Time NextUtcMidnight(absl::Time t) {
  return absl::FromUnixSeconds((UtcDayOf(t) + 1) * 86400);
}

int64_t DailyRequestCounter::Count(absl::Time now) {
  const int64_t day = UtcDayOf(now);
  if (day != day_) {
    day_ = day;
    count_ = 0;
  }
  return ++count_;
}

int64_t DailyRequestCounter::Today(absl::Time now) const {
  return UtcDayOf(now) == day_ ? count_ : 0;
}

}  // namespace gong::quota::internal
